"""Which surveys to prompt a participant about: called by the live (websocket) layer.

The live layer sends, for each survey returned by ``surveys_due``, the message
``prompt_message(survey)``: ``{"type": "survey.prompt", "survey_id", "title", "url"}``.
It should remember what it already prompted per connection; answering removes a survey
from the list, so re-asking after a reconnect only prompts for what's still unanswered.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Max, Q

from convenings.models import Convening, Registration
from people.models import Participant
from surveys.identity import respondent_key
from surveys.models import Response, Survey


def surveys_due(participant: Participant, convening: Convening, now: dt.datetime) -> list[Survey]:
    """Open surveys whose session has ended (the convening's own survey: once its closing
    session has begun) that this registered participant hasn't answered, earliest first."""
    if not Registration.objects.filter(convening=convening, participant=participant).exists():
        return []
    convening_due = _convening_survey_due(convening)
    due_at = {s: (s.session.ends_at if s.session else convening_due) for s in _open_surveys(convening, now)}
    keys = {respondent_key(s.pk, participant.pk): s for s, at in due_at.items() if now >= at}
    answered = set(Response.objects.filter(survey__in=keys.values(), respondent_key__in=keys)
                   .values_list("respondent_key", flat=True))
    pending = [survey for key, survey in keys.items() if key not in answered]
    return sorted(pending, key=lambda s: (due_at[s], s.pk))


def newly_due(now: dt.datetime) -> list[Survey]:
    """Open surveys that are due by ``now`` and nobody has been prompted about yet."""
    unprompted = (Survey.objects.filter(closed=False, prompted_at__isnull=True)
                  .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
                  .select_related("session", "convening"))
    return [s for s in unprompted
            if now >= (s.session.ends_at if s.session else _convening_survey_due(s.convening))]


def prompt_message(survey: Survey) -> dict[str, object]:
    return {"type": "survey.prompt", "survey_id": survey.pk, "title": survey.title,
            "url": survey.get_absolute_url()}


def _open_surveys(convening: Convening, now: dt.datetime) -> list[Survey]:
    return list(Survey.objects.filter(convening=convening, closed=False)
                .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
                .select_related("session", "convening"))


def _convening_survey_due(convening: Convening) -> dt.datetime:
    # A whole-convening evaluation is filled in during the closing session, while people
    # are still connected to receive the prompt, not after everyone has left.
    last_start = convening.sessions.aggregate(last=Max("starts_at"))["last"]
    return min(last_start, convening.ends_at) if last_start else convening.ends_at
