"""The outbox through a real SMTP server (aiosmtpd): delivery, retry, refusal, timeouts, leases."""
from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from django.utils import timezone

from mail import sending
from mail.models import OutboxMessage
from mail.outbox import enqueue
from tests.platform.mail.conftest import use_smtp
from tests.platform.mail.smtp import SmtpServer, hanging_server
from tests.services import free_port

pytestmark = pytest.mark.django_db


def _enqueue(n: int = 1, **extra: object) -> list[OutboxMessage]:
    return [enqueue(to=f"person{i}@example.org", subject=f"Hello {i}", body=f"Body {i}", key=f"test:{i}",
                    **extra) for i in range(n)]  # type: ignore[arg-type]


def test_enqueue_is_idempotent_on_its_key() -> None:
    first = enqueue(to="a@example.org", subject="One", body="1", key="same")
    again = enqueue(to="b@example.org", subject="Two", body="2", key="same")
    assert again.pk == first.pk and OutboxMessage.objects.get().subject == "One"


def test_a_message_is_delivered_once_with_its_own_message_id_and_attachment(smtp: SmtpServer) -> None:
    message = enqueue(to="maria@example.org", subject="Your agenda", body="See the attachment.", key="agenda:1",
                      html="<p>See the attachment.</p>",
                      attachments=[("agenda.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")])
    report = sending.send_due()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert sending.send_due().sent == 0  # nothing twice
    [received] = smtp.received
    assert received.envelope_to == ["maria@example.org"] and received.subject == "Your agenda"
    assert received.body.strip() == "See the attachment."
    assert received.message["Message-ID"] == message.message_id
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "agenda.ics" and "BEGIN:VCALENDAR" in attachment.get_content()
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1


def test_server_down_is_retried_with_backoff_then_delivered_once(settings) -> None:  # noqa: ANN001
    port = free_port()  # nothing listens: the mail server is down
    use_smtp(settings, port)
    [message] = _enqueue()
    now = timezone.now()
    report = sending.send_due(now=now)
    assert report.server_down and report.retrying == 1
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert "Could not reach the mail server" in message.last_error and "refused" in message.last_error.lower()
    assert message.next_attempt_at == now + dt.timedelta(minutes=1)
    server = SmtpServer(port).start()
    try:
        assert sending.send_due(now=now + dt.timedelta(seconds=30)).sent == 0  # still backing off
        assert server.received == []
        assert sending.send_due(now=now + dt.timedelta(seconds=61)).sent == 1
        assert sending.send_due(now=now + dt.timedelta(minutes=5)).sent == 0
        assert [r.envelope_to for r in server.received] == [["person0@example.org"]]
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and message.last_error == ""


def test_server_down_for_hours_loses_nothing(settings) -> None:  # noqa: ANN001
    use_smtp(settings, free_port())
    settings.MAIL_MAX_ATTEMPTS = 3
    [message] = _enqueue()
    now = timezone.now()
    for _ in range(10):
        sending.send_due(now=now)
        message.refresh_from_db()
        now = message.next_attempt_at
    assert message.status == "queued" and message.attempts == 10  # never given up
    assert message.next_attempt_at - message.last_attempt_at == dt.timedelta(hours=1)  # backoff capped


def test_a_refusal_fails_the_message_with_the_servers_reason(smtp: SmtpServer) -> None:
    smtp.refuse = "550 5.1.1 No such mailbox here"
    bad, good = _enqueue(2)
    report = sending.send_due()
    bad.refresh_from_db()
    assert report.failed == 2 and bad.status == "failed" and bad.attempts == 1
    assert bad.last_error == "Refused by the mail server: 550 5.1.1 No such mailbox here"
    smtp.refuse = None
    assert sending.send_due(now=timezone.now() + dt.timedelta(days=1)).sent == 0  # failed for good


def test_a_temporary_refusal_is_retried_then_given_up(smtp: SmtpServer, settings) -> None:  # noqa: ANN001
    settings.MAIL_MAX_ATTEMPTS = 2
    smtp.refuse = "451 4.7.1 Greylisted, try again later"
    [message] = _enqueue()
    now = timezone.now()
    sending.send_due(now=now)
    message.refresh_from_db()
    assert message.shown_status == "retrying" and "451 4.7.1 Greylisted" in message.last_error
    sending.send_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2


def test_a_server_that_never_answers_times_out(settings) -> None:  # noqa: ANN001
    [message] = _enqueue()
    with hanging_server() as port:
        use_smtp(settings, port, timeout=1)
        started = time.monotonic()
        report = sending.send_due()
        elapsed = time.monotonic() - started
    assert report.server_down and 0.9 <= elapsed < 5
    message.refresh_from_db()
    assert message.shown_status == "retrying" and "timed out" in message.last_error


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_worker_tick_sends_on_a_thread_and_a_hanging_server_blocks_nothing(settings, monkeypatch) -> None:  # noqa: ANN001
    """The worker's tick starts the mail round and returns; the event loop keeps running
    while the round waits for a server that never answers."""
    from channels.db import database_sync_to_async

    from signaling import worker

    monkeypatch.setattr(worker, "_may_use_other_threads", lambda: True)  # the test database is in memory
    tasks = worker.WorkerTasks()
    await database_sync_to_async(_enqueue)()
    with hanging_server() as port:
        use_smtp(settings, port, timeout=1.5)
        started = time.monotonic()
        round_ = tasks.start_mail_round()
        assert round_ is not None and tasks.start_mail_round() is None  # one round at a time
        beats = 0
        while not round_.done():
            await asyncio.sleep(0.05)
            beats += 1
        await round_
    assert time.monotonic() - started >= 1.4 and beats >= 20  # the loop ran all along
    message = await database_sync_to_async(OutboxMessage.objects.get)()
    assert message.shown_status == "retrying" and "timed out" in message.last_error


def test_a_crash_between_send_and_mark_resends_once_after_the_lease(smtp: SmtpServer) -> None:
    [message] = _enqueue()
    now = timezone.now()
    assert sending.claim("worker-a", now) == [message.pk]
    sending.build(OutboxMessage.objects.get(pk=message.pk)).send()  # sent by worker-a, which then dies
    assert sending.send_due(now=now + dt.timedelta(minutes=1), sender_id="worker-b").sent == 0  # lease holds
    after_lease = now + sending.lease() + dt.timedelta(seconds=1)
    assert sending.send_due(now=after_lease, sender_id="worker-b").sent == 1
    assert sending.send_due(now=after_lease + dt.timedelta(hours=1), sender_id="worker-c").sent == 0
    ids = [r.message["Message-ID"] for r in smtp.received]
    assert ids == [message.message_id, message.message_id]  # receivers can drop the copy


def test_a_sender_whose_lease_ran_out_does_not_overwrite_the_new_claim(smtp: SmtpServer) -> None:
    [message] = _enqueue()
    now = timezone.now()
    sending.claim("worker-a", now)
    later = now + sending.lease() + dt.timedelta(seconds=1)
    assert sending.claim("worker-b", later) == [message.pk]
    assert sending.claim("worker-c", later) == []  # taken
    sending._mark_failed(OutboxMessage.objects.get(), "worker-a", sending.Failure("late"), later)
    message.refresh_from_db()
    assert message.claimed_by == "worker-b" and message.last_error == ""
