"""Saving a participant's response: exactly one per survey, safe against double submits.

Three things together make submitting idempotent:
1. the database allows one response per (survey, respondent key), whatever the client does;
2. the response is created or updated in one transaction with its row locked, so two
   concurrent posts serialize: the loser of a race to create finds the winner's row
   (``get_or_create`` retries the read after the unique constraint refuses the insert);
3. a post whose answers equal what is stored is a replay (double click, resent form) and
   writes nothing, so the revision count only moves when the answers really change.
Views redirect after a successful post (POST-redirect-GET), so reloading never resubmits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from people.models import Participant
from surveys.answers import AnswerValue
from surveys.identity import respondent_key
from surveys.models import Answer, Question, Response, Survey


class SurveyClosed(Exception):
    """The survey no longer accepts responses or changes."""


@dataclass(frozen=True)
class SubmitResult:
    response: Response
    created: bool
    changed: bool


def response_for(survey: Survey, participant: Participant) -> Response | None:
    key = respondent_key(survey.pk, participant.pk)
    return Response.objects.filter(survey=survey, respondent_key=key).first()


def stored_values(response: Response | None) -> dict[int, AnswerValue]:
    if response is None:
        return {}
    return {a.question_id: _value_of(a) for a in response.answers.all()}


def submit_response(survey: Survey, participant: Participant, values: dict[int, AnswerValue],
                    now: dt.datetime) -> SubmitResult:
    if not survey.is_open(now):
        raise SurveyClosed(survey.pk)
    with transaction.atomic():
        response, created = Response.objects.select_for_update().get_or_create(
            survey=survey, respondent_key=respondent_key(survey.pk, participant.pk),
            defaults={"participant": None if survey.anonymous else participant},
        )
        if not created and stored_values(response) == values:
            return SubmitResult(response, created=False, changed=False)
        if not created:
            response.revision += 1
            response.save(update_fields=["revision", "updated_at"])
        _replace_answers(response, values)
    return SubmitResult(response, created=created, changed=True)


def _replace_answers(response: Response, values: dict[int, AnswerValue]) -> None:
    kinds = dict(Question.objects.filter(survey_id=response.survey_id).values_list("pk", "kind"))
    response.answers.all().delete()
    Answer.objects.bulk_create([_answer(response, qid, kinds[qid], v) for qid, v in values.items() if qid in kinds])


def _answer(response: Response, question_id: int, kind: str, value: AnswerValue) -> Answer:
    answer = Answer(response=response, question_id=question_id)
    if kind == Question.Kind.RATING:
        answer.rating = int(value)
    elif kind == Question.Kind.CHOICE:
        answer.choice = str(value)
    else:
        answer.text = str(value)
    return answer


def _value_of(answer: Answer) -> AnswerValue:
    return answer.rating if answer.rating is not None else (answer.choice or answer.text)
