"""Evaluation surveys: the in-app prompt participants get when a session ends."""
from __future__ import annotations

from typing import Literal

from signaling.protocol.base import ServerMessage, examples, register

FAMILY = "surveys"


@register(FAMILY)
class SurveyPrompt(ServerMessage):
    """A survey is due: its session has ended (or the closing session has begun, for the
    convening's own evaluation). Sent to everyone connected when it becomes due, and to
    each person on (re)connecting while they have not answered it."""
    model_config = examples({"type": "survey.prompt", "survey_id": 7,
                             "title": "Opening plenary: Successes in progress — evaluation",
                             "url": "/c/statewide-leadership-academy/surveys/7/"})
    type: Literal["survey.prompt"] = "survey.prompt"
    survey_id: int
    title: str
    url: str
