"""Turn submitted form data into answers, or per-question errors. Pure: no database."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

MAX_TEXT = 2000
RATINGS = (1, 2, 3, 4, 5)
RATING_LABELS = {1: "Poor", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent"}

AnswerValue = int | str


class QuestionLike(Protocol):
    pk: int | None
    kind: str
    required: bool

    @property
    def option_list(self) -> list[str]: ...


@dataclass
class Parsed:
    values: dict[int, AnswerValue] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def field_name(question: QuestionLike) -> str:
    return f"q{question.pk}"


def parse_answers(questions: Sequence[QuestionLike], data: Mapping[str, str]) -> Parsed:
    """Blank optional answers are left out of ``values``: nothing is stored for them."""
    parsed = Parsed()
    for question in questions:
        raw = (data.get(field_name(question)) or "").strip()
        value, error = _parse_one(question, raw)
        if error:
            parsed.errors[question.pk] = error  # type: ignore[index]
        elif value is not None:
            parsed.values[question.pk] = value  # type: ignore[index]
    return parsed


def _parse_one(question: QuestionLike, raw: str) -> tuple[AnswerValue | None, str]:
    if not raw:
        return None, (_missing(question.kind) if question.required else "")
    if question.kind == "rating":
        return (int(raw), "") if raw in {str(r) for r in RATINGS} else (None, _missing("rating"))
    if question.kind == "choice":
        return (raw, "") if raw in question.option_list else (None, "Choose one of the options listed.")
    if len(raw) > MAX_TEXT:
        return None, f"Please keep this under {MAX_TEXT} characters (it has {len(raw)})."
    return raw, ""


def _missing(kind: str) -> str:
    return {
        "rating": "Choose a rating from 1 (poor) to 5 (excellent).",
        "choice": "Choose one option.",
    }.get(kind, "Please write an answer.")
