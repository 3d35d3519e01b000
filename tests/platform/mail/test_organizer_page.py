"""The organizer's email page: who reaches it, what it shows, what its forms change."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from mail import sending
from mail.models import OutboxMessage, ReminderSettings
from mail.outbox import enqueue
from tests.platform.mail.conftest import Roster, use_smtp
from tests.platform.mail.smtp import SmtpServer
from tests.services import free_port

pytestmark = pytest.mark.django_db
URL = "/c/coast-roundtable/organize/email/"


def _as(roster: Roster | None, name: str | None = None, *, csrf: bool = False) -> Client:
    browser = Client(enforce_csrf_checks=csrf)
    if roster is not None and name is not None:
        browser.force_login(roster[name].participant.user)
    return browser


def test_only_its_organizers_and_superusers_reach_it(roster: Roster) -> None:
    assert _as(None).get(URL).status_code == 302  # to sign in
    assert "/accounts/login/" in _as(None).get(URL)["Location"]
    for name in ("jordan", "angela", "maria"):  # moderator, presenter, participant
        assert _as(roster, name).get(URL).status_code == 403
        assert _as(roster, name).post(URL, {"action": "invite"}).status_code == 403
    assert OutboxMessage.objects.count() == 0
    assert _as(roster, "olivia").get(URL).status_code == 200
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    browser = Client()
    browser.force_login(admin)
    assert browser.get(URL).status_code == 200


def test_the_buttons_need_the_forms_csrf_token(roster: Roster) -> None:
    assert _as(roster, "olivia", csrf=True).post(URL, {"action": "invite"}).status_code == 403
    assert OutboxMessage.objects.count() == 0


def test_a_refusal_and_a_retry_are_shown_with_the_servers_reason(roster: Roster, smtp: SmtpServer,
                                                                 settings) -> None:  # noqa: ANN001
    smtp.refuse = "550 5.1.1 <maria@example.org>: Recipient address rejected"
    _as(roster, "olivia").post(URL, {"action": "invite"})
    sending.send_due()
    use_smtp(settings, free_port())  # and now the server is down
    enqueue(to="james@example.org", subject="Agenda changed", body="…", key="change:1",
            convening_id=roster.convening.pk, kind="change")
    sending.send_due()
    page = _as(roster, "olivia").get(URL).content.decode()
    assert "Not sent after 1 attempt: Refused by the mail server: 550 5.1.1 &lt;maria@example.org&gt;: " \
           "Recipient address rejected" in page
    assert "5 failed" in page and "1 retrying" in page
    retry = OutboxMessage.objects.get(key="change:1")
    local = timezone.localtime(retry.next_attempt_at, roster.convening.tz)
    assert f"Next attempt {local:%a} {local.day} {local:%b}" in page and "Could not reach the mail server" in page
    assert "<caption>Email messages for Coast Roundtable, newest first</caption>" in page


def test_sent_messages_are_listed_with_their_time(roster: Roster, smtp: SmtpServer) -> None:
    _as(roster, "olivia").post(URL, {"action": "invite"})
    page = _as(roster, "olivia").get(URL).content.decode()
    assert "0 sent · 5 queued" in page and "Waiting to be sent" in page
    sending.send_due()
    page = _as(roster, "olivia").get(URL).content.decode()
    assert "5 sent · 0 queued" in page and "You are invited: Coast Roundtable" in page
    assert "5 people are registered; 5 have been sent an invitation" not in page  # 6 registered, 1 without email
    assert "6 people are registered; 5 have been sent an invitation" in page


def test_the_organizer_changes_the_reminders(roster: Roster) -> None:
    olivia = _as(roster, "olivia")
    page = olivia.get(URL).content.decode()
    assert '<option value="1440" selected>1 day before</option>' in page
    assert '<option value="60" selected>1 hour before</option>' in page
    response = olivia.post(URL, {"action": "reminders", "reminders_on": "on", "first": "2880", "second": "",
                                 "survey_reminder_on": ""})
    assert response.status_code == 302
    prefs = ReminderSettings.objects.get(convening=roster.convening)
    assert (prefs.reminders_on, prefs.offsets_minutes, prefs.survey_reminder_on) == (True, [2880], False)
    assert "Reminder settings saved." in olivia.get(URL).content.decode()


@pytest.mark.parametrize(("data", "says"), [
    ({"reminders_on": "on", "first": "", "second": ""}, "Choose when to send at least one reminder"),
    ({"reminders_on": "on", "first": "999", "second": ""}, "Select a valid choice"),
])
def test_bad_reminder_settings_are_explained_and_change_nothing(roster: Roster, data: dict[str, str],
                                                                 says: str) -> None:
    response = _as(roster, "olivia").post(URL, {"action": "reminders", **data})
    assert response.status_code == 400 and says in response.content.decode()
    assert not ReminderSettings.objects.exists()


def test_turning_reminders_off_keeps_the_chosen_times(roster: Roster) -> None:
    _as(roster, "olivia").post(URL, {"action": "reminders", "first": "", "second": ""})
    prefs = ReminderSettings.objects.get()
    assert prefs.reminders_on is False and prefs.offsets_minutes == [1440, 60]


def test_an_unknown_action_changes_nothing(roster: Roster) -> None:
    response = _as(roster, "olivia").post(URL, {"action": "delete-everything"}, follow=True)
    assert "Unknown action" in response.content.decode() and OutboxMessage.objects.count() == 0
