"""Plain data for the survey templates: question rows with values and errors, list statuses."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from people.models import Participant
from surveys.answers import RATING_LABELS, RATINGS, AnswerValue, field_name
from surveys.charts import bar_chart
from surveys.identity import respondent_key
from surveys.models import Question, Response, Survey
from surveys.results import QuestionResult, SurveyResults, compute_results


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    input_id: str


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    name: str
    value: str
    error: str
    options: list[Option]

    @property
    def first_input_id(self) -> str:
        return self.options[0].input_id if self.options else self.name

    @property
    def described_by(self) -> str:
        ids = [f"{self.name}-help"] if self.question.help_text else []
        return " ".join(ids + ([f"{self.name}-error"] if self.error else []))


def as_form_values(stored: Mapping[int, AnswerValue]) -> dict[str, str]:
    return {f"q{question_id}": str(value) for question_id, value in stored.items()}


def question_rows(questions: Sequence[Question], form_values: Mapping[str, str],
                  errors: Mapping[int, str]) -> list[QuestionRow]:
    return [QuestionRow(q, field_name(q), form_values.get(field_name(q)) or "", errors.get(q.pk, ""),
                        _options(q, field_name(q))) for q in questions]


def _options(q: Question, name: str) -> list[Option]:
    if q.kind == Question.Kind.RATING:
        return [Option(str(r), f"{r} – {RATING_LABELS[r]}", f"{name}-{r}") for r in RATINGS]
    if q.kind == Question.Kind.CHOICE:
        return [Option(o, o, f"{name}-{i}") for i, o in enumerate(q.option_list, start=1)]
    return []


@dataclass(frozen=True)
class SurveyStatus:
    survey: Survey
    is_open: bool
    answered: bool


def survey_statuses(surveys: Sequence[Survey], participant: Participant | None,
                    now: dt.datetime) -> list[SurveyStatus]:
    keys = {s.pk: respondent_key(s.pk, participant.pk) for s in surveys} if participant else {}
    answered = set(Response.objects.filter(respondent_key__in=keys.values()).values_list("respondent_key", flat=True))
    return [SurveyStatus(s, s.is_open(now), keys.get(s.pk) in answered) for s in surveys]


@dataclass(frozen=True)
class ChartedQuestion:
    result: QuestionResult
    chart: SafeString | None  # free-text questions have no chart


@dataclass(frozen=True)
class ResultsPage:
    results: SurveyResults
    questions: list[ChartedQuestion]


def results_page(survey: Survey) -> ResultsPage:
    """What ``surveys/_results.html`` renders; the convening report reuses it."""
    results = compute_results(survey)
    charted = [ChartedQuestion(r, bar_chart(f"chart-{r.question.pk}", _chart_title(r), r.bars) if r.bars else None)
               for r in results.questions]
    return ResultsPage(results, charted)


def _chart_title(result: QuestionResult) -> str:
    mean = f", average {result.average:.2f} out of 5" if result.average is not None else ""
    return f"{result.question.prompt}: {result.answered} answers{mean}"
