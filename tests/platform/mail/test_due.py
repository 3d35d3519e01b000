"""Pure decisions: when reminders and survey nudges are due, backoff, failure reasons, EMAIL_URL."""
from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from config.email_url import email_settings
from mail.due import SURVEY_NUDGE_WINDOW, describe_offset, due_reminder, survey_nudge_due
from mail.sending import Failure, after_failure, backoff, classify
from tests.platform.mail.conftest import START

DAY, HOUR, SECOND = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(seconds=1)
OFFSETS = [DAY, HOUR]


@pytest.mark.parametrize(("now", "due"), [
    (START - DAY - SECOND, None),  # not yet
    (START - DAY, DAY),  # the day-before reminder, on the second
    (START - HOUR - SECOND, DAY),
    (START - HOUR, HOUR),  # the hour-before reminder replaces it
    (START - SECOND, HOUR),
    (START, None),  # started: no reminder any more
    (START + HOUR, None),
])
def test_reminder_due_at_the_boundaries(now: dt.datetime, due: dt.timedelta | None) -> None:
    assert due_reminder(START, OFFSETS, now) == due


def test_reminders_turned_on_late_send_only_the_latest() -> None:
    assert due_reminder(START, [dt.timedelta(days=7), DAY, HOUR], START - dt.timedelta(minutes=10)) == HOUR


@given(st.lists(st.integers(min_value=1, max_value=20_000), max_size=4), st.integers(-30_000, 30_000))
def test_a_due_reminder_is_one_of_the_offsets_and_its_time_has_come(minutes: list[int], before: int) -> None:
    offsets = [dt.timedelta(minutes=m) for m in minutes]
    now = START - dt.timedelta(minutes=before)
    due = due_reminder(START, offsets, now)
    if due is not None:
        assert due in offsets and START - due <= now < START
        assert all(START - o > now or o >= due for o in offsets)  # no later reminder is due
    else:
        assert now >= START or all(START - o > now for o in offsets)


@pytest.mark.parametrize(("now", "open_until", "closed", "due"), [
    (START - SECOND, None, False, False),  # still on
    (START, None, False, True),  # it has ended
    (START + SURVEY_NUDGE_WINDOW - SECOND, None, False, True),
    (START + SURVEY_NUDGE_WINDOW, None, False, False),  # long past: nobody is asked any more
    (START + HOUR, START + HOUR, False, False),  # the survey closed
    (START + HOUR, START + DAY, False, True),
    (START + HOUR, None, True, False),  # closed by the organizer
])
def test_survey_nudge_due(now: dt.datetime, open_until: dt.datetime | None, closed: bool, due: bool) -> None:
    assert survey_nudge_due(START, now, open_until=open_until, closed=closed) is due


def test_backoff_doubles_from_a_minute_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff(10_000) == HOUR


def test_offsets_are_described_in_the_organizers_words() -> None:
    assert [describe_offset(dt.timedelta(minutes=m)) for m in (1440, 60, 90, 2880, 15)] == [
        "1 day", "1 hour", "90 minutes", "2 days", "15 minutes"]


def test_failures_say_what_the_server_said_and_whether_to_retry() -> None:
    refused = classify(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"5.1.1 No such user")}))
    assert refused == Failure("Refused by the mail server: 550 5.1.1 No such user", permanent=True)
    assert not classify(smtplib.SMTPDataError(452, b"Mailbox full")).permanent
    assert classify(smtplib.SMTPAuthenticationError(535, b"Bad credentials")).server
    assert classify(TimeoutError("timed out")).server
    assert classify(ConnectionRefusedError(111, "Connection refused")).server
    assert classify(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")).server


def test_only_the_messages_own_failures_give_up() -> None:
    now = START
    assert after_failure(1, Failure("550", permanent=True), now, 10).status == "failed"
    assert after_failure(9, Failure("451"), now, 10).status == "queued"
    assert after_failure(10, Failure("451"), now, 10).status == "failed"
    server_down = after_failure(500, Failure("refused", server=True), now, 10)
    assert server_down.status == "queued" and server_down.next_attempt_at == now + HOUR


# ---- EMAIL_URL ---------------------------------------------------------------------------------

def test_smtp_with_starttls_credentials_and_timeout() -> None:
    assert email_settings("smtp://mailer:p%40ss%2Fword@mail.example.org:587?tls=1&timeout=7") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587, "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "p@ss/word", "EMAIL_TIMEOUT": 7.0}


@pytest.mark.parametrize(("url", "port", "ssl", "tls"), [
    ("smtp://mail.example.org", 25, False, False),
    ("smtp://mail.example.org?starttls=true", 587, False, True),
    ("smtp://mail.example.org?starttls", 587, False, True),
    ("smtp://mail.example.org?tls=0", 25, False, False),
    ("smtp+tls://mail.example.org", 587, False, True),
    ("smtp+ssl://mail.example.org", 465, True, False),
    ("smtps://mail.example.org:2465", 2465, True, False),
    ("smtp://mail.example.org:2525?ssl=1", 2525, True, False),
])
def test_smtp_security_and_default_ports(url: str, port: int, ssl: bool, tls: bool) -> None:
    parsed = email_settings(url)
    assert (parsed["EMAIL_PORT"], parsed["EMAIL_USE_SSL"], parsed["EMAIL_USE_TLS"]) == (port, ssl, tls)
    assert parsed["EMAIL_TIMEOUT"] == 20


def test_console_and_file_backends() -> None:
    assert email_settings("console://") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert email_settings("file:///var/lib/convene/mail") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/lib/convene/mail"}


@pytest.mark.parametrize(("url", "says"), [
    ("smtpx://host", "unknown scheme"),
    ("console+ssl://", "unknown scheme"),
    ("smtp://", "needs a host"),
    ("smtp://host?timeout=0", "positive timeout"),
    ("smtp://host?timeout=soon", "EMAIL_URL"),
    ("smtp://host:notaport", "EMAIL_URL"),
    ("smtp+ssl://host?tls=1", "not both"),
    ("file://", "needs a folder"),
])
def test_bad_urls_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=says):
        email_settings(url)


def test_the_default_needs_no_mail_server(settings) -> None:  # noqa: ANN001
    """Without EMAIL_URL the settings write each message to a file under VAR_DIR/mail."""
    import importlib
    import os

    import config.settings as base

    saved = os.environ.pop("EMAIL_URL", None)
    try:
        reloaded = importlib.reload(base)
        assert reloaded.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
        assert reloaded.EMAIL_FILE_PATH == str(reloaded.VAR_DIR / "mail")
    finally:
        if saved is not None:
            os.environ["EMAIL_URL"] = saved
        importlib.reload(base)
