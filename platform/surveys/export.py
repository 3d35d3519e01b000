"""CSV export of a survey's responses. Anonymous surveys: no names, no ids, no times."""
from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

# write_csv is the one spreadsheet-safe writer (convenings.csv_cells); reports import it from here.
from convenings.csv_cells import write_csv
from surveys.models import Question, Response, Survey

__all__ = ["responses_csv", "write_csv"]


def responses_csv(survey: Survey) -> str:
    questions = list(survey.questions.order_by("order", "pk"))
    return write_csv([_header(survey, questions), *_rows(survey, questions)])


def _header(survey: Survey, questions: list[Question]) -> list[str]:
    who = [] if survey.anonymous else ["Response", "Name", "Email", "Submitted", "Last changed"]
    return who + [q.prompt for q in questions]


def _rows(survey: Survey, questions: list[Question]) -> Iterable[list[object]]:
    # Timestamps and database ids could be matched against attendance or logs, so an
    # anonymous survey exports answers only, in an order that says nothing about anyone.
    order = ["respondent_key"] if survey.anonymous else ["submitted_at", "pk"]
    responses = survey.responses.select_related("participant__user").prefetch_related("answers").order_by(*order)
    for response in responses:
        answers = {a.question_id: a.display for a in response.answers.all()}
        yield _who(survey, response) + [answers.get(q.pk, "") for q in questions]


def _who(survey: Survey, response: Response) -> list[object]:
    if survey.anonymous:
        return []
    person = response.participant
    tz = survey.convening.tz
    return [response.pk, person.name if person else "", person.email if person else "",
            timezone.localtime(response.submitted_at, tz).isoformat(timespec="seconds"),
            timezone.localtime(response.updated_at, tz).isoformat(timespec="seconds")]

