"""Which surveys to prompt a participant about: called by the live (websocket) layer.

The live layer sends, for each survey returned by ``surveys_due``, the message
``prompt_message(survey)``: ``{"type": "survey.prompt", "survey_id", "title", "url"}``.
It should remember what it already prompted per connection; answering removes a survey
from the list, so re-asking after a reconnect only prompts for what's still unanswered.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Max, Q, QuerySet

from convenings.models import Convening, Registration
from people.models import Participant
from surveys.identity import respondent_key
from surveys.models import Response, Survey


def surveys_due(participant: Participant, convening: Convening, now: dt.datetime, *,
                registered: bool = False) -> list[Survey]:
    """Open surveys whose session has ended (the convening's own survey: once its closing
    session has begun) that this registered participant hasn't answered, earliest first.
    ``registered``: the caller knows they are (a live connection was admitted): not read again."""
    if not registered and not Registration.objects.filter(convening=convening, participant=participant).exists():
        return []
    return surveys_due_each([participant.pk], convening.pk, now)[participant.pk]


def surveys_due_each(participant_ids: list[int], convening_id: int, now: dt.datetime) -> dict[int, list[Survey]]:
    """``surveys_due`` for several registered participants at once (people arriving together):
    two queries whatever their number."""
    due_at = {s: _due_at(s) for s in _open_surveys(now).filter(convening_id=convening_id)}
    due = sorted((s for s, at in due_at.items() if now >= at), key=lambda s: (due_at[s], s.pk))
    keys = {(respondent_key(s.pk, pid)): (pid, s) for pid in participant_ids for s in due}
    answered = set(Response.objects.filter(survey__in=due, respondent_key__in=keys)
                   .values_list("respondent_key", flat=True)) if keys else set()
    pending: dict[int, list[Survey]] = {pid: [] for pid in participant_ids}
    for key, (pid, survey) in keys.items():  # in ``due`` order per person
        if key not in answered:
            pending[pid].append(survey)
    return pending


def newly_due(now: dt.datetime) -> list[Survey]:
    """Open surveys that are due by ``now`` and nobody has been prompted about yet.

    Called on every worker tick (each second), so it is one query whatever the number of
    surveys: the last session start a convening-level survey waits for comes annotated."""
    return [s for s in _open_surveys(now).filter(prompted_at__isnull=True) if now >= _due_at(s)]


def prompt_message(survey: Survey) -> dict[str, object]:
    return {"type": "survey.prompt", "survey_id": survey.pk, "title": survey.title,
            "url": survey.get_absolute_url()}


def _open_surveys(now: dt.datetime) -> QuerySet[Survey]:
    return (Survey.objects.filter(closed=False)
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
            .select_related("session", "convening")
            .annotate(last_session_start=Max("convening__sessions__starts_at")))


def _due_at(survey: Survey) -> dt.datetime:
    """A session's survey: when the session ends. A whole-convening evaluation is filled in
    during the closing session, while people are still connected to receive the prompt,
    not after everyone has left: so when the last session starts (or the convening ends)."""
    if survey.session is not None:
        return survey.session.ends_at
    last_start = getattr(survey, "last_session_start", None)
    ends_at = survey.convening.ends_at
    return min(last_start, ends_at) if last_start else ends_at
