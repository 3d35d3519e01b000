"""Email: the outbox of messages waiting to be sent, and each convening's reminder settings.

A message is stored (``mail.outbox.enqueue``) in the same transaction as the change that
causes it, and sent later by ``mail.sending`` (the worker tick or ``manage.py send_mail``),
never inside a web request. See docs/email.md.
"""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"  # waiting for its first attempt, or for a retry after a failure
        SENT = "sent", "Sent"  # the SMTP server accepted it
        FAILED = "failed", "Failed"  # gave up after the last retry (or refused for good)

    # Idempotency: whatever enqueues a message names it (e.g. "invitation:12:34"), and the
    # same name twice keeps the first message.
    key = models.CharField(max_length=255, unique=True)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    convening = models.ForeignKey("convenings.Convening", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="outbox_messages")
    kind = models.CharField(max_length=50, blank=True, help_text="invitation, reminder, survey, certificate, …")
    # Fixed when enqueued: a resend after a crash between "sent" and "marked sent" carries the
    # same Message-ID, so receiving servers and mail clients can drop the duplicate.
    message_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The lease of the sender that claimed it: nobody else sends it before then.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    last_error = models.TextField(blank=True, help_text="What the mail server said at the last failed attempt.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind or 'email'} to {self.to}: {self.subject}"

    @property
    def retrying(self) -> bool:
        return self.status == self.Status.QUEUED and self.attempts > 0

    @property
    def shown_status(self) -> str:
        """What the organizer reads: queued, retrying, sent or failed."""
        return "retrying" if self.retrying else self.status


class OutboxAttachment(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    mimetype = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 60]


class ReminderSettings(models.Model):
    """Per convening: whether reminders go out, how long before the start, and the survey nudge."""
    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE,
                                     related_name="reminder_settings")
    reminders_on = models.BooleanField(default=True, verbose_name="Send reminders before the convening")
    # Minutes before the start; default a day and an hour.
    offsets_minutes = models.JSONField(default=default_reminder_offsets)
    survey_reminder_on = models.BooleanField(
        default=True, verbose_name="Tell attendees when the evaluation survey is waiting")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminders for {self.convening}"

    @property
    def offsets(self) -> list[dt.timedelta]:
        return [dt.timedelta(minutes=int(m)) for m in self.offsets_minutes]
