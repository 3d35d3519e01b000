"""Survey results: per question the distribution, the average (ratings) and the free text."""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from surveys.answers import RATING_LABELS, RATINGS, AnswerValue
from surveys.models import Answer, Question, Survey

RETIRED_OPTION = "(an option since removed)"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    bars: list[Bar] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: int
    registered: int
    questions: list[QuestionResult]

    @property
    def response_rate(self) -> float | None:
        """Responses per registered person (every role may respond), 0–1."""
        return self.responses / self.registered if self.registered else None


def rating_bars(values: Sequence[int]) -> list[Bar]:
    counts = Counter(values)
    return [Bar(f"{r} – {RATING_LABELS[r]}", counts[r]) for r in RATINGS]


def choice_bars(options: Sequence[str], values: Sequence[str]) -> list[Bar]:
    counts = Counter(values)
    bars = [Bar(option, counts[option]) for option in options]
    # Answers to an option the organizers later removed still count, under their own bar.
    retired = sum(n for value, n in counts.items() if value not in options)
    return bars + [Bar(RETIRED_OPTION, retired)] if retired else bars


def average(values: Sequence[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def summarize(question: Question, values: Sequence[AnswerValue]) -> QuestionResult:
    if question.kind == Question.Kind.RATING:
        ratings = [int(v) for v in values]
        return QuestionResult(question, len(ratings), rating_bars(ratings), average(ratings))
    if question.kind == Question.Kind.CHOICE:
        return QuestionResult(question, len(values), choice_bars(question.option_list, [str(v) for v in values]))
    return QuestionResult(question, len(values), texts=[str(v) for v in values])


def compute_results(survey: Survey) -> SurveyResults:
    values: dict[int, list[AnswerValue]] = {}
    for answer in answers_in_display_order(survey):
        values.setdefault(answer.question_id, []).append(
            answer.rating if answer.rating is not None else (answer.choice or answer.text))
    questions = [summarize(q, values.get(q.pk, [])) for q in survey.questions.order_by("order", "pk")]
    return SurveyResults(survey=survey, responses=survey.responses.count(),
                         registered=survey.convening.registrations.count(), questions=questions)


def answers_in_display_order(survey: Survey) -> list[Answer]:
    # Anonymous answers are listed in respondent-key order, which says nothing about
    # who answered or when; named ones in the order they came in.
    order = "response__respondent_key" if survey.anonymous else "response__submitted_at"
    return list(Answer.objects.filter(response__survey=survey).order_by(order, "response_id"))
