"""Survey results: per question the distribution, the average (ratings) and the free text.

Response rate, the rule: of the people *expected to answer*, the share who did. Expected
are those registered for the convening as participants or presenters (``EXPECTED_ROLES``):
they attend. Organizers and moderators run the convening; they may answer too, and their
answers count in every question's results and in the number of responses, but they
neither raise nor lower the rate. Who answered is matched by respondent key, so the rule
works the same for anonymous surveys without storing who answered.
"""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from convenings.models import Registration
from surveys.answers import RATING_LABELS, RATINGS, AnswerValue
from surveys.identity import respondent_key
from surveys.models import Answer, Question, Survey

EXPECTED_ROLES = frozenset({Registration.Role.PARTICIPANT, Registration.Role.PRESENTER})

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
    responses: int  # everyone's, organizers' and moderators' included
    expected: int  # participants and presenters registered: who the rate is about
    expected_answered: int  # how many of them responded
    questions: list[QuestionResult]

    @property
    def response_rate(self) -> float | None:
        """Share of the expected respondents who answered, 0–1 (see the module's rule)."""
        return response_rate(self.expected_answered, self.expected)


def response_rate(answered: int, expected: int) -> float | None:
    return answered / expected if expected else None


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
    expected = list(survey.convening.registrations.filter(role__in=EXPECTED_ROLES)
                    .values_list("participant_id", flat=True))
    keys = {respondent_key(survey.pk, participant_id) for participant_id in expected}
    return SurveyResults(survey=survey, responses=survey.responses.count(), expected=len(expected),
                         expected_answered=survey.responses.filter(respondent_key__in=keys).count(),
                         questions=questions)


def answers_in_display_order(survey: Survey) -> list[Answer]:
    # Anonymous answers are listed in respondent-key order, which says nothing about
    # who answered or when; named ones in the order they came in.
    order = "response__respondent_key" if survey.anonymous else "response__submitted_at"
    return list(Answer.objects.filter(response__survey=survey).order_by(order, "response_id"))
