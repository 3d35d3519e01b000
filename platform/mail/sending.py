"""Sending the outbox: claim, send, mark — by any number of workers and processes at once.

What "exactly once" means here (SMTP has no transactions, so this is the most it allows):

1. **Claim** (one short transaction): a sender takes up to ``BATCH`` due messages and writes
   its name and a lease (``claimed_until``) on them. On PostgreSQL the rows are read with
   ``SELECT … FOR UPDATE SKIP LOCKED``, so two senders never take the same row; SQLite runs
   the transaction with ``BEGIN IMMEDIATE`` (config/settings.py), so claims are serialized.
   Until the lease ends, nobody else sends those messages.
2. **Send** each one over one SMTP connection (never inside a web request).
3. **Mark** it sent once the server accepted it (only if this sender still holds the claim).

A message is therefore handed to the mail server once, except across one crash boundary: a
sender that dies *after* the server accepted a message and *before* it was marked leaves the
claim to expire, and the message is sent again (once) after ``lease()``. It carries the same
``Message-ID`` both times (fixed when enqueued), so receiving servers and mail clients can
drop the copy. That is at-least-once delivery with de-duplication by Message-ID — the best
available without a transactional mail server.

Failures are recorded with the server's own words (``last_error``) and retried with backoff
(1 min, doubling, at most 1 h). A message the server refuses for good (5xx about this
message: an unknown mailbox, content refused) fails at once; one refused for a while (4xx)
fails after ``MAIL_MAX_ATTEMPTS``. A server that cannot be reached, times out, or rejects our
credentials is not the message's fault: those messages keep retrying (hourly at most) and are
never given up, so nothing is lost while the mail server is down.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mail.models import OutboxMessage

logger = logging.getLogger("convene.mail")

BATCH = 10
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_RETRY = dt.timedelta(hours=1)
REASON_MAX_CHARS = 1000


# ---- pure decisions -----------------------------------------------------------------------

def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4, … minutes, at most 1 h."""
    if attempts <= 1:
        return FIRST_RETRY
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 16), LONGEST_RETRY)


@dataclass(frozen=True)
class Failure:
    reason: str  # what the server said, for the organizer
    permanent: bool = False  # the server refused this message for good: no retry
    server: bool = False  # the server could not be used at all: not this message's fault


def _smtp_reason(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {words}".strip()


def classify(exc: BaseException) -> Failure:
    """What a failed send means: the reason shown, and whether to retry."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = list(exc.recipients.values()) or [(0, b"recipient refused")]
        reason = "; ".join(_smtp_reason(code, text) for code, text in refusals)
        return Failure(f"Refused by the mail server: {reason}", permanent=all(code >= 500 for code, _ in refusals))
    if isinstance(exc, smtplib.SMTPDataError):
        return Failure(f"Refused by the mail server: {_smtp_reason(exc.smtp_code, exc.smtp_error)}",
                       permanent=exc.smtp_code >= 500)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Failure(f"The mail server refused our sign-in: {_smtp_reason(exc.smtp_code, exc.smtp_error)}",
                       server=True)
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, HELO refused, …
        return Failure(f"The mail server refused: {_smtp_reason(exc.smtp_code, exc.smtp_error)}", server=True)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return Failure("The mail server did not answer in time (timed out).", server=True)
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return Failure(f"Could not reach the mail server: {exc or type(exc).__name__}", server=True)
    return Failure(f"Could not send: {type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class Outcome:
    status: str
    next_attempt_at: dt.datetime


def after_failure(attempts: int, failure: Failure, now: dt.datetime, max_attempts: int) -> Outcome:
    """The message's state after its ``attempts``-th attempt failed with ``failure``."""
    gives_up = failure.permanent or (not failure.server and attempts >= max_attempts)
    if gives_up:
        return Outcome(OutboxMessage.Status.FAILED, now)
    return Outcome(OutboxMessage.Status.QUEUED, now + backoff(attempts))


def lease() -> dt.timedelta:
    """How long a claim holds: long enough for a whole batch to time out step by step (an SMTP
    timeout applies to each of connect, MAIL, RCPT and DATA), so no live sender loses its claim."""
    timeout = float(getattr(settings, "EMAIL_TIMEOUT", None) or 30)
    return max(dt.timedelta(minutes=5), dt.timedelta(seconds=BATCH * 4 * timeout + 60))


# ---- claim, send, mark ----------------------------------------------------------------------

def default_sender_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(sender_id: str, now: dt.datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due messages for this sender (see the module docstring)."""
    with transaction.atomic():
        due = (OutboxMessage.objects
               .filter(status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=now)
               .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
               .order_by("next_attempt_at", "pk"))
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            OutboxMessage.objects.filter(pk__in=ids).update(claimed_until=now + lease(), claimed_by=sender_id[:120])
    return ids


def build(message: OutboxMessage, connection: object = None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to], headers={"Message-ID": message.message_id}, connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return email


def _mark_sent(message: OutboxMessage, sender_id: str, now: dt.datetime) -> None:
    marked = OutboxMessage.objects.filter(pk=message.pk, claimed_by=sender_id[:120]).update(
        status=OutboxMessage.Status.SENT, sent_at=now, last_attempt_at=now, attempts=message.attempts + 1,
        claimed_until=None, last_error="",
    )
    if not marked:  # our lease ran out and another sender took it: it may go out twice
        logger.warning("mail %s: sent after its claim expired (Message-ID %s)", message.pk, message.message_id)


def _mark_failed(message: OutboxMessage, sender_id: str, failure: Failure, now: dt.datetime) -> str:
    attempts = message.attempts + 1
    outcome = after_failure(attempts, failure, now, int(settings.MAIL_MAX_ATTEMPTS))
    OutboxMessage.objects.filter(pk=message.pk, claimed_by=sender_id[:120]).update(
        status=outcome.status, next_attempt_at=outcome.next_attempt_at, attempts=attempts,
        last_attempt_at=now, last_error=failure.reason[:REASON_MAX_CHARS], claimed_until=None,
    )
    logger.warning("mail %s to %s: %s (attempt %d; %s)", message.pk, message.to, failure.reason, attempts,
                   "failed for good" if outcome.status == OutboxMessage.Status.FAILED
                   else f"next attempt {outcome.next_attempt_at:%H:%M:%S}")
    return outcome.status


@dataclass
class Report:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    server_down: bool = False

    def add(self, status: str) -> None:
        if status == OutboxMessage.Status.FAILED:
            self.failed += 1
        else:
            self.retrying += 1


def _send_batch(ids: Sequence[int], sender_id: str, now: dt.datetime, report: Report) -> None:
    messages = list(OutboxMessage.objects.filter(pk__in=ids, claimed_by=sender_id[:120])
                    .prefetch_related("attachments").order_by("next_attempt_at", "pk"))
    smtp = get_connection(fail_silently=False)
    try:
        smtp.open()
        for index, message in enumerate(messages):
            try:
                smtp.send_messages([build(message, smtp)])
            except Exception as exc:  # noqa: BLE001 — every failure is recorded, none ends the sender
                failure = classify(exc)
                report.add(_mark_failed(message, sender_id, failure, now))
                if failure.server:  # the rest would fail the same way: they wait with it
                    report.server_down = True
                    for waiting in messages[index + 1:]:
                        report.add(_mark_failed(waiting, sender_id, failure, now))
                    return
            else:
                _mark_sent(message, sender_id, now)
                report.sent += 1
    except Exception as exc:  # noqa: BLE001 — opening the connection failed: nothing was sent
        failure = classify(exc)
        report.server_down = True
        for message in messages:
            report.add(_mark_failed(message, sender_id, failure, now))
    finally:
        try:
            smtp.close()
        except Exception:  # noqa: BLE001 — a connection already broken
            pass


def send_due(*, now: dt.datetime | None = None, sender_id: str | None = None) -> Report:
    """Send every message due now, batch by batch; stop early when the server is down."""
    sender_id = sender_id or default_sender_id()
    report = Report()
    while not report.server_down:
        at = now or timezone.now()
        ids = claim(sender_id, at)
        if not ids:
            break
        _send_batch(ids, sender_id, at, report)
    if report.sent or report.retrying or report.failed:
        logger.info("mail: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed)
    return report
