"""Polls family: a moderator's quick poll in the plenary or in every breakout room at once.

A moderator asks (``poll.ask``): single choice, multiple choice or a 1–5 scale, for the
plenary or for every open breakout room. Everyone hears ``poll.opened`` (show the card if
the poll is for where you are); people in its scope vote (``poll.vote``) and may change
their vote until it closes. Moderators see ``poll.results`` live; everyone sees them once
a moderator shares them (``poll.share``). ``poll.close`` ends voting (``poll.closed``).
On connecting or entering a space, send ``poll.sync`` for the open poll, your vote and
any results you may see (``poll.state``). One poll is open at a time in a convening.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, StringConstraints

from signaling.protocol.base import WHOLE_UNICODE, ClientMessage, Id, ServerMessage, examples, register
from signaling.protocol.shapes import Person

FAMILY = "polls"
# polls.rules repeats these (the protocol does not import Django apps; tests/platform/polls checks they agree).
QUESTION_MAX_CHARS = 300
OPTION_MAX_CHARS = 120
MAX_OPTIONS = 10
QuestionText = Annotated[str, StringConstraints(min_length=1, max_length=QUESTION_MAX_CHARS), WHOLE_UNICODE]
OptionText = Annotated[str, StringConstraints(min_length=1, max_length=OPTION_MAX_CHARS), WHOLE_UNICODE]
Choice = Annotated[int, Field(ge=0, le=MAX_OPTIONS - 1)]
Kind = Literal["single", "multiple", "scale"]
Scope = Literal["plenary", "rooms"]
AT = "2025-10-14T10:15:00Z"
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}
_POLL = {"id": 41, "question": "Which part of the plan needs most help?", "kind": "single",
         "options": ["Professional learning", "Parent engagement", "Device equity"], "scope": "plenary",
         "state": "open", "results_shared": False, "asked_by": _MOD, "asked_at": AT}
_COUNT = {"counts": [7, 3, 5], "voters": 15, "mean": None}
_RESULTS = {"poll_id": 41, "version": 16, "shared": False, "total": _COUNT, "rooms": []}


class PollEntry(BaseModel):
    id: int
    question: str
    kind: Kind
    options: list[str] = Field(description='the options, in order; a scale\'s are "1" to "5"')
    scope: Scope = Field(description='"plenary": people in the plenary vote; "rooms": people in every breakout room')
    state: Literal["open", "closed"]
    results_shared: bool
    asked_by: Person | None
    asked_at: dt.datetime


class PollCount(BaseModel):
    counts: list[int] = Field(description="votes for each option, in the options' order")
    voters: int = Field(description="people who voted (multiple choice: the counts may add up to more)")
    mean: float | None = Field(description="a scale's average (1–5, one decimal); null otherwise or without votes")


class RoomCount(PollCount):
    space: str = Field(description="the room's key")
    name: str = Field(description="the room's name")


class PollResultsBody(BaseModel):
    poll_id: int
    version: int = Field(description="raised by every vote, share and close: keep the highest you heard")
    shared: bool = Field(description="everyone sees these results (false: moderators only)")
    total: PollCount
    rooms: list[RoomCount] = Field(description="room polls: each room's votes (empty for plenary polls)")


class PollView(BaseModel):
    poll: PollEntry
    your_choices: list[int] = Field(description="your vote (empty: you have not voted)")
    results: PollResultsBody | None = Field(description="null unless you may see them (moderators, or shared)")


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class PollAsk(ClientMessage):
    """Moderators: ask a poll of the people in the plenary (``scope: "plenary"``) or in every
    open breakout room (``"rooms"``). ``single``/``multiple`` need 2–10 distinct options; a
    ``scale`` has its own (1 to 5: send ``options: []``). Refused (``illegal_transition``) while
    another poll is open, or for ``rooms`` when no room is open. Everyone gets ``poll.opened``."""
    model_config = examples(
        {"type": "poll.ask", "id": "q1", "question": "Which part of the plan needs most help?", "kind": "single",
         "options": ["Professional learning", "Parent engagement", "Device equity"], "scope": "plenary"},
        {"type": "poll.ask", "question": "How ready is your team to start?", "kind": "scale", "options": [],
         "scope": "rooms"})
    type: Literal["poll.ask"] = "poll.ask"
    question: QuestionText
    kind: Kind
    options: list[OptionText] = Field(max_length=MAX_OPTIONS)
    scope: Scope


@register(FAMILY)
class PollVote(ClientMessage):
    """Vote, or change your vote, while the poll is open: option numbers from 0 (one for
    ``single`` and ``scale``, where option 0 is 1; one or more for ``multiple``). Only people
    where the poll was asked may vote (others: ``forbidden``). Your tabs get ``poll.voted``."""
    model_config = examples({"type": "poll.vote", "id": "v1", "poll_id": 41, "choices": [0]})
    type: Literal["poll.vote"] = "poll.vote"
    poll_id: Id
    choices: list[Choice] = Field(min_length=1, max_length=MAX_OPTIONS)


@register(FAMILY)
class PollClose(ClientMessage):
    """Moderators: stop the voting. Everyone gets ``poll.closed``."""
    model_config = examples({"type": "poll.close", "id": "c1", "poll_id": 41})
    type: Literal["poll.close"] = "poll.close"
    poll_id: Id


@register(FAMILY)
class PollShare(ClientMessage):
    """Moderators: show the results to everyone (``shared: false`` hides them again); open
    or closed. Everyone gets ``poll.results`` with ``shared`` set."""
    model_config = examples({"type": "poll.share", "id": "s1", "poll_id": 41, "shared": True})
    type: Literal["poll.share"] = "poll.share"
    poll_id: Id
    shared: bool = True


@register(FAMILY)
class PollSync(ClientMessage):
    """Send me the open poll (and the latest closed one whose results I may see), my vote and
    the results I may see."""
    model_config = examples({"type": "poll.sync", "id": "k1"})
    answer: ClassVar[str] = "poll.state"
    type: Literal["poll.sync"] = "poll.sync"


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class PollOpened(ServerMessage):
    """A moderator asked a poll: to everyone in the convening. Show a card to vote with if
    the poll is for where you are (``scope``); say it to screen readers."""
    model_config = examples({"type": "poll.opened", "poll": _POLL})
    type: Literal["poll.opened"] = "poll.opened"
    poll: PollEntry


@register(FAMILY)
class PollResults(ServerMessage):
    """A poll's results now: live to moderators as votes arrive (updates may be combined
    for a quarter of a second), and to everyone while they are shared (``shared: true``);
    ``shared: false`` after being shared means hide them. Results may arrive out of order:
    ignore any with a lower ``version`` than the last you showed for that poll."""
    model_config = examples({"type": "poll.results", **_RESULTS})
    type: Literal["poll.results"] = "poll.results"
    poll_id: int
    version: int
    shared: bool
    total: PollCount
    rooms: list[RoomCount]


@register(FAMILY)
class PollVoted(ServerMessage):
    """Your vote was recorded (or changed): to all your tabs, so each shows what you chose."""
    model_config = examples({"type": "poll.voted", "poll_id": 41, "choices": [2]})
    type: Literal["poll.voted"] = "poll.voted"
    poll_id: int
    choices: list[int]


@register(FAMILY)
class PollClosed(ServerMessage):
    """Voting ended: to everyone; ``results`` are the final ones when they are shared (null
    otherwise: moderators get them as ``poll.results``)."""
    model_config = examples({"type": "poll.closed", "poll_id": 41, "by": _MOD, "results": _RESULTS})
    type: Literal["poll.closed"] = "poll.closed"
    poll_id: int
    by: Person
    results: PollResultsBody | None = None


@register(FAMILY)
class PollState(ServerMessage):
    """The answer to ``poll.sync``: the open poll, and the latest closed poll whose results
    you may see, each with your vote (oldest first; at most two)."""
    model_config = examples({"type": "poll.state", "polls": [{"poll": _POLL, "your_choices": [2],
                                                              "results": _RESULTS}], "ref": "k1"})
    type: Literal["poll.state"] = "poll.state"
    polls: list[PollView]
    ref: str | None = None
