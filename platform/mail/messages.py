"""The messages this app writes: invitation, reminder, "the survey is waiting".

Each is plain text addressed to one registration, with that person's way in: their personal
join link when their role may carry one (``convenings.joinlinks``), else the sign-in page.
Links start with ``SITE_URL``: a worker composing a reminder has no request to read a host from.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from convenings import joinlinks
from convenings.models import Convening, Registration
from surveys.models import Survey


@dataclass(frozen=True)
class Composed:
    to: str
    subject: str
    body: str


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def local_when(convening: Convening, moment: dt.datetime) -> str:
    """'Tuesday 9 June 2026 at 8:00 AM (America/Los_Angeles)': the convening's own clock."""
    local = moment.astimezone(convening.tz)
    return f"{local:%A} {local.day} {local:%B %Y} at {local.hour % 12 or 12}:{local:%M %p} ({convening.time_zone})"


def _way_in(registration: Registration, now: dt.datetime) -> dict[str, str]:
    convening = registration.convening
    if joinlinks.why_not_issued(registration) is None:
        return {"join_url": absolute(joinlinks.issue_for_the_day(registration, now=now).path)}
    # The path is a slug's: readable as it is in a plain-text email.
    sign_in = f"{reverse('login')}?next={convening.get_absolute_url()}"
    return {"join_url": "", "sign_in_url": absolute(sign_in)}


def _context(registration: Registration, now: dt.datetime) -> dict[str, object]:
    convening = registration.convening
    person = registration.participant
    return {
        "name": person.user.get_full_name() or person.user.username, "convening": convening,
        "role": registration.role, "role_label": registration.get_role_display(),
        "agenda_url": absolute(convening.get_absolute_url()),
        "when": local_when(convening, convening.starts_at), **_way_in(registration, now),
    }


def invitation(registration: Registration, now: dt.datetime) -> Composed:
    convening = registration.convening
    return Composed(registration.participant.user.email, f"You are invited: {convening.title}",
                    render_to_string("mail/email/invitation.txt", _context(registration, now)))


def reminder(registration: Registration, now: dt.datetime) -> Composed:
    convening = registration.convening
    when = local_when(convening, convening.starts_at)
    return Composed(registration.participant.user.email, f"Reminder: {convening.title} starts {when}",
                    render_to_string("mail/email/reminder.txt", _context(registration, now)))


def survey_waiting(registration: Registration, survey: Survey, now: dt.datetime) -> Composed:
    convening = registration.convening
    context = _context(registration, now) | {
        "survey": survey, "survey_url": absolute(survey.get_absolute_url()),
        "closes": local_when(convening, survey.closes_at) if survey.closes_at else "",
    }
    return Composed(registration.participant.user.email, f"Your feedback on {convening.title}: the survey is waiting",
                    render_to_string("mail/email/survey.txt", context))
