"""Demo data: invitations that went out to a few of the academy's people, so the organizer's
email page (``mail:organize``) shows a history after ``make run``."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from convenings.models import Convening, Registration
from mail import messages
from mail.models import OutboxMessage
from mail.outbox import enqueue
from mail.scheduling import rostered

SENT = 5  # invitations shown as sent
REFUSED = "Refused by the mail server: 550 5.1.1 Mailbox unavailable (an example: the demo's addresses are made up)"


@transaction.atomic
def seed_demo_mail(convening: Convening, now: dt.datetime | None = None) -> int:
    """Invitations for the first few participants and presenters, marked sent two days ago,
    and one the mail server refused. Idempotent (the messages' keys). How many are sent."""
    now = now or timezone.now()
    people = (rostered(convening).filter(role__in=[Registration.Role.PARTICIPANT, Registration.Role.PRESENTER])
              .order_by("participant__user__username")[:SENT + 1])
    for index, registration in enumerate(people):
        invitation = messages.invitation(registration, now)
        message = enqueue(to=invitation.to, subject=invitation.subject, body=invitation.body,
                          key=f"invitation:{convening.pk}:{registration.pk}", convening_id=convening.pk,
                          kind="invitation")
        sent_at = now - dt.timedelta(days=2, minutes=index)
        waiting = OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.QUEUED)
        if index < SENT:
            waiting.update(status=OutboxMessage.Status.SENT, attempts=1, sent_at=sent_at, last_attempt_at=sent_at,
                           created_at=sent_at)
        else:
            waiting.update(status=OutboxMessage.Status.FAILED, attempts=1, last_attempt_at=sent_at,
                           created_at=sent_at, last_error=REFUSED)
    return OutboxMessage.objects.filter(convening=convening, kind="invitation",
                                        status=OutboxMessage.Status.SENT).count()
