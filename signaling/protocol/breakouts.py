"""Breakouts family, part 1: draft plans (moderators) and what everyone is told about rooms.

The family has three modules, all registered as "breakouts": this one (plans, state,
notices), ``breakout_controls.py`` (opening and running rooms, choosing one) and
``breakout_rooms.py`` (work inside a room: notes, Top 5, help). Times are ISO 8601 UTC;
every timed message carries the server's ``now`` so a browser can correct its own clock.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from signaling.protocol.base import (
    MAX_INT,
    SPACE_PATTERN,
    WHOLE_UNICODE,
    ClientMessage,
    Id,
    ServerMessage,
    examples,
    register,
)
from signaling.protocol.shapes import Person

FAMILY = "breakouts"
RoomKey = Annotated[str, StringConstraints(pattern=SPACE_PATTERN), WHOLE_UNICODE]
ParticipantId = Id
SessionId = Annotated[int, Field(ge=1, le=MAX_INT, description=(
    "the agenda's breakout session: `breakout_sessions[].id` in the live page's `convene-config` "
    "(`GET /c/<slug>/live/`), or `session_id` of `welcome.breakouts` / `breakout.state` once rooms opened"))]
Seconds = Annotated[float, Field(gt=0, le=86_400)]
RoomSize = Annotated[int, Field(ge=1, le=10_000)]
AT, ENDS, CLOSES = "2025-10-14T09:50:00Z", "2025-10-14T10:20:00Z", "2025-10-14T10:21:00Z"
_ROOM = {"key": "s2-topic-5-1", "name": "Parent Engagement · 1", "topic": "Parent Engagement"}
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}


class RoomRef(BaseModel):
    key: str = Field(description="the room's key, also its space")
    name: str
    topic: str | None = Field(description="the topic's name, if the room has one")


class RoomStatus(RoomRef):
    state: Literal["draft", "open", "closing", "closed"]
    members: list[int] = Field(description="participant ids assigned to the room")
    count: int
    capacity: int | None = Field(description="null: no limit")
    visitors: list[int] = Field(default_factory=list, description="moderators visiting the room")


class RankedItem(BaseModel):
    id: int
    rank: int
    text: str


class RoomNotesText(BaseModel):
    version: int = Field(description="0: nobody wrote yet")
    text: str
    by: Person | None


class RoomWork(BaseModel):
    """What a breakout room holds besides chat and hands, as someone entering it finds it."""
    notes: RoomNotesText = Field(description="as in `notes.updated`")
    action_items: list[RankedItem] = Field(description="the room's Top 5, best first (as in `room.action_items`)")


class HelpCall(Person):
    room: str
    room_name: str
    requested_at: dt.datetime


RoundStrategy = Literal["topic", "role", "region", "random", "jigsaw", "rotation"]  # rooms.rounds.ROUND_STRATEGIES


class RoundOut(BaseModel):
    strategy: RoundStrategy
    minutes: float


class RoundsStatus(BaseModel):
    """A multi-round sequence (``breakout.rounds.*``) and how far it got."""
    state: Literal["defined", "running", "finished", "stopped"]
    number: int = Field(description="the round running or last run (1-based); 0: not started")
    total: int
    rounds: list[RoundOut]
    grace_s: float = Field(description="the wrap-up countdown between rounds")
    room_keys: list[list[str]] = Field(description="each round's rooms, first round first: whose Top 5 is whose")
    repeated_pairs: int = Field(description="pairs of people in the current round who met in an earlier one")
    note: str = Field(description="what the planner said about the current round (e.g. why pairs repeat)")


class BreakoutSnapshot(BaseModel):
    """The convening's breakouts as they are: in ``welcome`` and in ``breakout.state``."""
    session_id: int | None = Field(description="the breakout session; null before the first opening")
    version: int = Field(description="raised by every change: ignore a snapshot older than one you have")
    mode: Literal["assigned", "self_select"]
    rooms: list[RoomStatus]
    ends_at: dt.datetime | None = Field(description="when rooms are due to close (countdown starts)")
    closes_at: dt.datetime | None = Field(description="end of the grace countdown, once started")
    now: dt.datetime
    help_queue: list[HelpCall] | None = Field(description="moderators only; null for everyone else")
    rounds: RoundsStatus | None = Field(None, description="a sequence of rounds, if one is defined")


_SNAPSHOT = {"session_id": 2, "version": 7, "mode": "assigned", "now": AT, "ends_at": ENDS, "closes_at": None,
             "rooms": [{**_ROOM, "state": "open", "members": [7, 9], "count": 2, "capacity": None,
                        "visitors": []}],
             "help_queue": None}


# ---- client → server: planning (moderators) -----------------------------------------

ConveningRole = Literal["organizer", "moderator", "presenter", "participant"]
LEFT_OUT: list[ConveningRole] = ["moderator", "organizer", "presenter"]  # rooms.planning.DEFAULT_EXCLUDED


@register(FAMILY)
class BreakoutPlan(ClientMessage):
    """Moderators: (re)generate the session's draft plan; everyone with plan rights gets
    ``breakout.plan_ready``. Give ``room_count``, or ``min_size``/``max_size``, or both.
    ``exclude_roles``: convening roles left out of the rooms (listed as not placed);
    ``[]`` puts everyone in a room. Only people connected now are planned (the plan's
    ``stats.absent`` counts the registered people who are not); ``everyone``: plan everyone
    registered (planning ahead). No ``room_count`` and no sizes: one room per group of the
    rule (topic, role or region)."""
    model_config = examples({"type": "breakout.plan", "session_id": 2, "strategy": "topic", "room_count": 8,
                             "teams": "spread", "exclude_roles": ["moderator", "organizer"], "seed": 1})
    type: Literal["breakout.plan"] = "breakout.plan"
    session_id: SessionId
    strategy: Literal["topic", "role", "region", "random"] = "topic"
    room_count: Annotated[int, Field(ge=1, le=1000)] | None = None
    min_size: RoomSize | None = None
    max_size: RoomSize | None = None
    teams: Literal["together", "spread", "ignore"] = "ignore"
    exclude_roles: list[ConveningRole] = Field(default_factory=lambda: list(LEFT_OUT), max_length=4,
                                               description="convening roles kept out of the rooms")
    seed: Annotated[int, Field(ge=0, le=MAX_INT, description="same seed, same plan")] = 0
    everyone: bool = Field(False, description="plan everyone registered, connected or not (planning ahead)")


@register(FAMILY)
class BreakoutPlanGet(ClientMessage):
    """Moderators: send me the session's current draft plan (``breakout.plan_ready``)."""
    model_config = examples({"type": "breakout.plan_get", "session_id": 2})
    type: Literal["breakout.plan_get"] = "breakout.plan_get"
    session_id: SessionId


@register(FAMILY)
class BreakoutPlanEdit(ClientMessage):
    """Moderators: change the draft plan you saw at ``version``. move: ``participant_id`` to
    ``room``; swap: ``participant_id`` with ``other_participant_id``; add_room: ``name``
    (and ``topic_id``); rename_room: ``room``, ``name``; remove_room: ``room`` (members go to
    the smallest rooms, or ``members_to: "unplaced"``). A stale version gets ``stale_plan``."""
    model_config = examples({"type": "breakout.plan_edit", "session_id": 2, "version": 3, "op": "move",
                             "participant_id": 7, "room": "s2-topic-5-1"})
    type: Literal["breakout.plan_edit"] = "breakout.plan_edit"
    session_id: SessionId
    version: Id
    op: Literal["move", "swap", "add_room", "rename_room", "remove_room"]
    participant_id: ParticipantId | None = None
    other_participant_id: ParticipantId | None = None
    room: RoomKey | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                    WHOLE_UNICODE] | None = None
    topic_id: Annotated[str, StringConstraints(max_length=64), WHOLE_UNICODE] | None = None
    members_to: Literal["smallest", "unplaced"] = "smallest"

    @model_validator(mode="after")
    def _fields_of_op(self) -> BreakoutPlanEdit:
        missing = [name for name in EDIT_NEEDS[self.op] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.op} needs {', '.join(missing)}")
        return self


EDIT_NEEDS = {"move": ("participant_id", "room"), "swap": ("participant_id", "other_participant_id"),
              "add_room": ("name",), "rename_room": ("room", "name"), "remove_room": ("room",)}


# ---- server → client ----------------------------------------------------------------

class PlanRoom(RoomRef):
    topic_id: str | None
    members: list[int]


class PlanUnplaced(BaseModel):
    participant_id: int
    reason: str


class PlanStatsOut(BaseModel):
    placed: int
    unplaced: int
    rooms: int
    smallest: int
    largest: int
    first_choice_share: float | None
    any_interest_share: float | None
    absent: int = Field(0, description="registered people not planned because they are not connected")
    fits_none: int = Field(0, description="people placed who fit none of the session's role topics")


@register(FAMILY)
class BreakoutPlanReady(ServerMessage):
    """To moderators: the session's draft plan after a change (or on request)."""
    model_config = examples({"type": "breakout.plan_ready", "session_id": 2, "version": 4,
                             "rooms": [{**_ROOM, "topic_id": "5", "members": [7, 9]}],
                             "unplaced": [{"participant_id": 2, "reason": "excluded role: moderator"}],
                             "stats": {"placed": 2, "unplaced": 1, "rooms": 1, "smallest": 2, "largest": 2,
                                       "first_choice_share": 1.0, "any_interest_share": 1.0},
                             "by": _MOD})
    type: Literal["breakout.plan_ready"] = "breakout.plan_ready"
    session_id: int
    version: int
    rooms: list[PlanRoom]
    unplaced: list[PlanUnplaced]
    stats: PlanStatsOut
    by: Person | None = None
    fits_no_topic: list[int] = Field(default_factory=list, description=(
        "participant ids placed though they fit none of the session's role topics"))


@register(FAMILY)
class BreakoutAssigned(ServerMessage):
    """To you (all your tabs): you are now in this room; your connection follows
    (``space.entered`` comes next)."""
    model_config = examples({"type": "breakout.assigned", "room": _ROOM, "ends_at": ENDS, "now": AT})
    type: Literal["breakout.assigned"] = "breakout.assigned"
    room: RoomRef
    ends_at: dt.datetime | None
    now: dt.datetime


@register(FAMILY)
class BreakoutReturned(ServerMessage):
    """To you: you are back in the plenary (rooms closed, or a moderator recalled you)."""
    model_config = examples({"type": "breakout.returned", "reason": "closed", "now": AT})
    type: Literal["breakout.returned"] = "breakout.returned"
    reason: str = Field(description="closed | recalled | returned")
    now: dt.datetime


@register(FAMILY)
class BreakoutClosing(ServerMessage):
    """To everyone: the grace countdown started; rooms close at ``closes_at``."""
    model_config = examples({"type": "breakout.closing", "closes_at": CLOSES, "now": AT})
    type: Literal["breakout.closing"] = "breakout.closing"
    closes_at: dt.datetime
    now: dt.datetime


@register(FAMILY)
class BreakoutState(BreakoutSnapshot, ServerMessage):
    """To everyone after a change of the rooms themselves (opened, closing, closed, the timer,
    the mode), and in answer to ``breakout.resync`` (moderators' copy has the help queue)."""
    model_config = examples({"type": "breakout.state", **_SNAPSHOT})
    type: Literal["breakout.state"] = "breakout.state"


@register(FAMILY)
class BreakoutChanged(ServerMessage):
    """To everyone after a change that only moved people (a move, a swap, a choice, a visit, a
    late joiner placed): the rooms whose members or visitors changed, whole, replacing the
    rooms with the same keys. Apply it to the snapshot whose ``version`` is ``base_version``;
    ignore it if yours is at ``version`` or newer; otherwise (a gap) send ``breakout.resync``."""
    model_config = examples({"type": "breakout.changed", "version": 8, "base_version": 7, "now": AT,
                             "rooms": _SNAPSHOT["rooms"]})
    type: Literal["breakout.changed"] = "breakout.changed"
    version: int = Field(description="the snapshot's version after this change")
    base_version: int = Field(description="the version this change applies to (several changes may be "
                                          "merged into one: then it is older than ``version - 1``)")
    rooms: list[RoomStatus]
    now: dt.datetime


@register(FAMILY)
class BreakoutResync(ClientMessage):
    """Send me the whole ``breakout.state`` (after a ``breakout.changed`` whose ``base_version``
    is not the version you have)."""
    model_config = examples({"type": "breakout.resync"})
    type: Literal["breakout.resync"] = "breakout.resync"


class FreeRoom(RoomRef):
    count: int
    capacity: int | None
    free: int | None = Field(description="places left; null: no limit")


@register(FAMILY)
class BreakoutRooms(ServerMessage):
    """To everyone in self-select mode, after every change: the rooms to choose from."""
    model_config = examples({"type": "breakout.rooms",
                             "rooms": [{**_ROOM, "count": 4, "capacity": 6, "free": 2}]})
    type: Literal["breakout.rooms"] = "breakout.rooms"
    rooms: list[FreeRoom]
