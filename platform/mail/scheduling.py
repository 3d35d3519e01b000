"""Which messages to enqueue, and when: invitations (the organizer's button), reminders
before the convening and "the survey is waiting" after it (the worker tick).

Every message has an idempotency key, so enqueueing again (the next tick, another worker,
the button pressed twice) adds nothing:

    invitation:<convening>:<registration>
    reminder:<convening>:<registration>:<minutes before>:<start, unix time>  (a new date reminds again)
    survey:<survey>:<participant>

The decisions of *when* are the pure functions of ``mail.due``; this module reads the
database and enqueues.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from convenings.models import Convening, Registration
from mail import messages
from mail.due import SURVEY_NUDGE_WINDOW, due_reminder, survey_nudge_due
from mail.models import OutboxMessage, ReminderSettings
from mail.outbox import enqueue
from surveys.identity import respondent_key
from surveys.models import Response, Survey

logger = logging.getLogger("convene.mail")
# Reminders are looked for among convenings starting within this (the form's longest offset).
LONGEST_OFFSET = dt.timedelta(days=14)


def reminder_settings(convening: Convening) -> ReminderSettings:
    """The convening's settings; the defaults (a day and an hour before, survey nudge on) until saved."""
    try:
        return convening.reminder_settings
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(convening=convening)


def rostered(convening: Convening) -> QuerySet[Registration]:
    """The people the convening's emails go to: registered (not waitlisted or cancelled), with an
    account that is not deactivated."""
    return (convening.registrations.filter(status=Registration.Status.REGISTERED, participant__user__is_active=True)
            .select_related("participant__user", "convening").order_by("pk"))


@dataclass(frozen=True)
class Enqueued:
    queued: int = 0  # new messages
    earlier: int = 0  # already in the outbox (sent or waiting)
    no_email: int = 0  # people without an email address


def _enqueue_each(registrations: Iterable[Registration], key_of: Callable[[Registration], str],
                  compose: Callable[[Registration], messages.Composed], kind: str) -> Enqueued:
    registrations = list(registrations)
    keys = {registration.pk: key_of(registration) for registration in registrations}
    existing = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    queued = no_email = 0
    for registration in registrations:
        if keys[registration.pk] in existing:
            continue
        if not registration.participant.user.email:
            no_email += 1
            continue
        with transaction.atomic():  # the link issued for it and the message, together
            message = compose(registration)
            enqueue(to=message.to, subject=message.subject, body=message.body, key=keys[registration.pk],
                    convening_id=registration.convening_id, kind=kind)
        queued += 1
    return Enqueued(queued=queued, earlier=len(existing), no_email=no_email)


def enqueue_invitations(convening: Convening, now: dt.datetime | None = None) -> Enqueued:
    """An invitation for everyone rostered who has not been sent one yet."""
    now = now or timezone.now()
    return _enqueue_each(rostered(convening), lambda r: f"invitation:{convening.pk}:{r.pk}",
                         lambda r: messages.invitation(r, now), "invitation")


# ---- the tick ---------------------------------------------------------------------------------

def _reminders_due(now: dt.datetime) -> int:
    queued = 0
    upcoming = Convening.objects.filter(starts_at__gt=now, starts_at__lte=now + LONGEST_OFFSET) \
        .select_related("reminder_settings")
    for convening in upcoming:
        prefs = reminder_settings(convening)
        offset = due_reminder(convening.starts_at, prefs.offsets, now) if prefs.reminders_on else None
        if offset is None:
            continue
        minutes, start = int(offset.total_seconds() // 60), int(convening.starts_at.timestamp())
        queued += _enqueue_each(
            rostered(convening), lambda r, c=convening: f"reminder:{c.pk}:{r.pk}:{minutes}:{start}",  # noqa: B023 (called at once)
            lambda r: messages.reminder(r, now), "reminder").queued
    return queued


def evaluation_survey(convening: Convening) -> Survey | None:
    """The convening's own evaluation (not a session's): the survey "the survey is waiting" is about."""
    surveys = Survey.objects.filter(convening=convening, session__isnull=True).order_by("pk")
    named = surveys.filter(title=f"Evaluation: {convening.title}").first()
    return named or surveys.first()


def _unanswered_attendees(convening: Convening, survey: Survey) -> list[Registration]:
    # Attendance rows are rooms' live state, read through the convening (platform apps never import rooms).
    attended = set(convening.attendance.order_by().values_list("participant_id", flat=True).distinct())
    answered = set(Response.objects.filter(survey=survey).values_list("respondent_key", flat=True))
    registrations = (convening.registrations.filter(participant_id__in=attended)
                     .select_related("participant__user", "convening").order_by("pk"))
    return [r for r in registrations if respondent_key(survey.pk, r.participant_id) not in answered]


def _survey_nudges_due(now: dt.datetime) -> int:
    queued = 0
    ended = Convening.objects.filter(ends_at__lte=now, ends_at__gt=now - SURVEY_NUDGE_WINDOW) \
        .select_related("reminder_settings")
    for convening in ended:
        if not reminder_settings(convening).survey_reminder_on:
            continue
        survey = evaluation_survey(convening)
        if survey is None or not survey_nudge_due(convening.ends_at, now, open_until=survey.closes_at,
                                                  closed=survey.closed):
            continue
        queued += _enqueue_each(
            _unanswered_attendees(convening, survey), lambda r, s=survey: f"survey:{s.pk}:{r.participant_id}",
            lambda r, s=survey: messages.survey_waiting(r, s, now), "survey").queued
    return queued


def schedule_due(now: dt.datetime | None = None) -> int:
    """Enqueue every reminder and survey nudge due at ``now``; how many were new."""
    now = now or timezone.now()
    queued = _reminders_due(now) + _survey_nudges_due(now)
    if queued:
        logger.info("mail: %d scheduled message(s) enqueued", queued)
    return queued
