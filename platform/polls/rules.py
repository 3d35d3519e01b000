"""Pure decisions about polls: what a poll and a vote may hold, and how votes add up.

No database, no Django: tested directly (tests/platform/polls/test_rules.py, with hypothesis).
The protocol (signaling/protocol/polls.py) repeats the limits for its JSON Schema; the
protocol does not import Django apps and this app does not import the protocol, so
tests/platform/polls/test_rules.py checks that the two agree.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

# A quick poll is read aloud and answered in seconds: a sentence, a handful of short options.
QUESTION_MAX_CHARS = 300
OPTION_MAX_CHARS = 120
MAX_OPTIONS = 10
MIN_OPTIONS = 2
# One poll at a time per convening: several polls open at once split people's attention,
# and a cap bounds what each vote and each person entering costs.
MAX_OPEN_POLLS = 1
SCALE = ("1", "2", "3", "4", "5")
PLENARY = "plenary"


class Kind(StrEnum):
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # any number of options, at least one
    SCALE = "scale"  # 1 to 5


class Scope(StrEnum):
    PLENARY = "plenary"  # the people in the plenary
    ROOMS = "rooms"  # the people in every breakout room, at once


class PollRefused(ValueError):
    """A poll or a vote that breaks the rules; the message says why, in the user's words."""


def clean_text(text: str) -> str:
    """Runs of whitespace become one space, ends trimmed (a poll is one line on a card)."""
    return " ".join(text.split())


def clean_question(text: str) -> str:
    question = clean_text(text)
    if not question:
        raise PollRefused("A poll needs a question.")
    if len(question) > QUESTION_MAX_CHARS:
        raise PollRefused(f"A poll's question is at most {QUESTION_MAX_CHARS} characters.")
    return question


def clean_options(kind: Kind, options: Sequence[str]) -> tuple[str, ...]:
    """The options people choose from: a 1–5 scale has its own; choices need 2–10 distinct ones."""
    if kind is Kind.SCALE:
        return SCALE
    cleaned = tuple(clean_text(option) for option in options)
    if len(cleaned) < MIN_OPTIONS or len(cleaned) > MAX_OPTIONS:
        raise PollRefused(f"A poll has {MIN_OPTIONS} to {MAX_OPTIONS} options.")
    if any(not option for option in cleaned):
        raise PollRefused("Every option needs text.")
    if any(len(option) > OPTION_MAX_CHARS for option in cleaned):
        raise PollRefused(f"An option is at most {OPTION_MAX_CHARS} characters.")
    if len({option.casefold() for option in cleaned}) != len(cleaned):
        raise PollRefused("Two options are the same.")
    return cleaned


def clean_choices(kind: Kind, option_count: int, choices: Iterable[int]) -> tuple[int, ...]:
    """A vote: option numbers (0-based), sorted and distinct; one for single choice and the
    scale, at least one for multiple choice."""
    picked = tuple(choices)
    if any(not 0 <= c < option_count for c in picked):
        raise PollRefused(f"Choose among the poll's {option_count} options.")
    if len(set(picked)) != len(picked):
        raise PollRefused("Choose each option at most once.")
    if not picked:
        raise PollRefused("Choose an option before you submit.")
    if kind is not Kind.MULTIPLE and len(picked) != 1:
        raise PollRefused("Choose one option.")
    return tuple(sorted(picked))


def in_scope(scope: Scope, space: str) -> bool:
    """May someone in ``space`` vote? Plenary polls: the plenary; room polls: any room."""
    return (space == PLENARY) if scope is Scope.PLENARY else (space != PLENARY)


def scope_refusal(scope: Scope) -> str:
    if scope is Scope.PLENARY:
        return "This poll is for the people in the plenary; you are in a breakout room."
    return "This poll is for the people in breakout rooms; you are in the plenary."


def may_open(open_polls: int) -> bool:
    return open_polls < MAX_OPEN_POLLS


@dataclass(frozen=True)
class Count:
    """Votes for each option, and how many people voted (multiple choice: voters ≤ sum)."""

    counts: tuple[int, ...]
    voters: int

    def percents(self) -> tuple[int, ...]:
        """Each option's share of the voters, rounded (multiple choice may add up past 100)."""
        return tuple(round(100 * c / self.voters) if self.voters else 0 for c in self.counts)


@dataclass(frozen=True)
class Tally:
    """A poll's results: over everyone, and for each space votes came from."""

    total: Count
    by_space: dict[str, Count] = field(default_factory=dict)


def _count(option_count: int, votes: Iterable[Sequence[int]]) -> Count:
    counts = [0] * option_count
    voters = 0
    for choices in votes:
        voters += 1
        for choice in set(choices):
            if 0 <= choice < option_count:  # a vote left from before an edit cannot break a tally
                counts[choice] += 1
    return Count(tuple(counts), voters)


def tally(option_count: int, votes: Iterable[tuple[str, Sequence[int]]]) -> Tally:
    """Add up ``(space, choices)`` votes (one per person: the database keeps it so)."""
    votes = list(votes)
    spaces = sorted({space for space, _ in votes})
    by_space = {s: _count(option_count, (c for space, c in votes if space == s)) for s in spaces}
    return Tally(_count(option_count, (c for _, c in votes)), by_space)


def scale_mean(count: Count) -> float | None:
    """The average on a 1–5 scale (option i is i + 1), to one decimal, halves up (4.25 → 4.3,
    as people round; Python's round() gives 4.2); None without votes."""
    if not count.voters:
        return None
    total = sum((i + 1) * n for i, n in enumerate(count.counts))
    return math.floor(10 * total / count.voters + 0.5) / 10


class NotNow(PollRefused):
    """Not in the poll's (or the convening's) present state: closed, or another poll is open."""


class OutOfScope(PollRefused):
    """The voter is not where the poll was asked."""
