"""The default evaluation: what the domain asks every participant after a session or convening."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from convenings.models import Convening, Session
from surveys.models import Question, Survey

# People often fill in evaluations the day after; a week keeps them open long enough.
GRACE = dt.timedelta(days=7)

FORMAT_OPTIONS = [
    "Keep the same format as today",
    "More breakout sessions",
    "More plenary sessions",
    "More team planning time",
    "More open collaboration with nearby schools",
]


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    prompt: str
    required: bool
    help_text: str = ""
    options: tuple[str, ...] = ()


EVALUATION: tuple[QuestionSpec, ...] = (
    QuestionSpec("rating", "How would you rate the presentation?", True,
                 "1 = poor, 5 = excellent: the speakers, slides and screen sharing."),
    QuestionSpec("rating", "How would you rate the content?", True,
                 "1 = poor, 5 = excellent: how useful it is for your school's work."),
    QuestionSpec("text", "Which topics should future meetings cover?", False,
                 "Core components, content areas, challenges your team is facing."),
    QuestionSpec("text", "Which speakers or presenters would you like to hear from?", False,
                 "Names, schools or districts doing work others should see."),
    QuestionSpec("choice", "Which format would work best for future meetings?", True,
                 options=tuple(FORMAT_OPTIONS)),
    QuestionSpec("text", "Anything else you'd like the organizers to know?", False),
)


def add_evaluation_questions(survey: Survey) -> int:
    """Append the default questions to a survey that has none; returns how many were added."""
    if survey.questions.exists():
        return 0
    Question.objects.bulk_create([
        Question(survey=survey, order=order, kind=spec.kind, prompt=spec.prompt, required=spec.required,
                 help_text=spec.help_text, options="\n".join(spec.options))
        for order, spec in enumerate(EVALUATION, start=1)
    ])
    return len(EVALUATION)


@transaction.atomic
def evaluation_survey(convening: Convening, session: Session | None = None, *,
                      anonymous: bool = False) -> Survey:
    """The convening's (or session's) evaluation survey, created with the default questions if missing."""
    title = f"Evaluation: {session.title}" if session else f"Evaluation: {convening.title}"
    survey, _ = Survey.objects.get_or_create(
        convening=convening, session=session, title=title,
        defaults={"anonymous": anonymous, "closes_at": convening.ends_at + GRACE},
    )
    add_evaluation_questions(survey)
    return survey
