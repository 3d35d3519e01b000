"""parse_answers: pure, no database."""
from __future__ import annotations

from dataclasses import dataclass, field

from surveys.answers import MAX_TEXT, parse_answers


@dataclass
class Q:
    pk: int
    kind: str
    required: bool = True
    options: list[str] = field(default_factory=list)

    @property
    def option_list(self) -> list[str]:
        return self.options


QUESTIONS = [Q(1, "rating"), Q(2, "choice", options=["Same", "More breakouts"]), Q(3, "text"),
             Q(4, "text", required=False), Q(5, "rating", required=False)]


def test_valid_answers_are_typed_and_blank_optional_ones_left_out() -> None:
    parsed = parse_answers(QUESTIONS, {"q1": "3", "q2": "More breakouts", "q3": "  Parent nights  ", "q4": " "})
    assert parsed.ok
    assert parsed.values == {1: 3, 2: "More breakouts", 3: "Parent nights"}


def test_each_missing_required_answer_gets_its_own_error() -> None:
    parsed = parse_answers(QUESTIONS, {"q4": "fine"})
    assert set(parsed.errors) == {1, 2, 3}
    assert "rating from 1" in parsed.errors[1]
    assert parsed.errors[2] == "Choose one option."
    assert parsed.errors[3] == "Please write an answer."


def test_out_of_range_rating_and_unknown_option_are_rejected() -> None:
    parsed = parse_answers(QUESTIONS, {"q1": "6", "q2": "Fewer sessions", "q3": "ok", "q5": "0"})
    assert set(parsed.errors) == {1, 2, 5}
    assert parsed.errors[2] == "Choose one of the options listed."


def test_overlong_text_is_rejected_with_its_length() -> None:
    parsed = parse_answers(QUESTIONS, {"q1": "1", "q2": "Same", "q3": "x" * (MAX_TEXT + 1)})
    assert parsed.errors == {3: f"Please keep this under {MAX_TEXT} characters (it has {MAX_TEXT + 1})."}
