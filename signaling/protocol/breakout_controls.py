"""Breakouts family, part 2: opening and running rooms (moderators), choosing one (everyone,
in self-select mode). What people are told back is in ``breakouts.py``."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from signaling.protocol.base import ClientMessage, examples, register
from signaling.protocol.breakouts import FAMILY, ParticipantId, RoomKey, Seconds, SessionId

# ---- client → server: running rooms --------------------------------------------------

@register(FAMILY)
class BreakoutOpen(ClientMessage):
    """Moderators: open every room of the session's plan at once. assigned: everyone goes to
    their planned room; self_select: everyone stays in the plenary and chooses."""
    model_config = examples({"type": "breakout.open", "session_id": 2, "duration_s": 1800, "mode": "assigned"})
    type: Literal["breakout.open"] = "breakout.open"
    session_id: SessionId
    duration_s: Seconds
    mode: Literal["assigned", "self_select"] = "assigned"
    capacity: Annotated[int, Field(ge=1)] | None = None
    grace_s: Annotated[float, Field(ge=0, le=3600)] = Field(60.0, description="countdown before rooms close")


@register(FAMILY)
class BreakoutReopen(ClientMessage):
    """Moderators: open the closed rooms again from the plan (``reshuffle``: plan anew first)."""
    model_config = examples({"type": "breakout.reopen", "duration_s": 600, "reshuffle": False})
    type: Literal["breakout.reopen"] = "breakout.reopen"
    duration_s: Seconds
    reshuffle: bool = False
    capacity: Annotated[int, Field(ge=1)] | None = None


@register(FAMILY)
class BreakoutMove(ClientMessage):
    """Moderators: move someone (from the plenary or a room) into an open room."""
    model_config = examples({"type": "breakout.move", "participant_id": 7, "room": "s2-topic-5-1"})
    type: Literal["breakout.move"] = "breakout.move"
    participant_id: ParticipantId
    room: RoomKey


@register(FAMILY)
class BreakoutSwap(ClientMessage):
    """Moderators: exchange the rooms of two people."""
    model_config = examples({"type": "breakout.swap", "participant_id": 7, "other_participant_id": 9})
    type: Literal["breakout.swap"] = "breakout.swap"
    participant_id: ParticipantId
    other_participant_id: ParticipantId


@register(FAMILY)
class BreakoutRecall(ClientMessage):
    """Moderators: bring one person back to the plenary."""
    model_config = examples({"type": "breakout.recall", "participant_id": 7})
    type: Literal["breakout.recall"] = "breakout.recall"
    participant_id: ParticipantId


@register(FAMILY)
class BreakoutChoose(ClientMessage):
    """Anyone, in self-select mode: go to this room (``room_full`` if its last place is gone)."""
    model_config = examples({"type": "breakout.choose", "room": "s2-topic-5-1"})
    type: Literal["breakout.choose"] = "breakout.choose"
    room: RoomKey


@register(FAMILY)
class BreakoutVisit(ClientMessage):
    """Moderators: hop into any open room (it answers the room's calls for help)."""
    model_config = examples({"type": "breakout.visit", "room": "s2-topic-5-1"})
    type: Literal["breakout.visit"] = "breakout.visit"
    room: RoomKey


@register(FAMILY)
class BreakoutReturn(ClientMessage):
    """Moderators: leave the room you visit, back to the plenary."""
    model_config = examples({"type": "breakout.return"})
    type: Literal["breakout.return"] = "breakout.return"


@register(FAMILY)
class BreakoutMode(ClientMessage):
    """Moderators: switch between assigned rooms and self-select while rooms are open."""
    model_config = examples({"type": "breakout.mode", "mode": "self_select"})
    type: Literal["breakout.mode"] = "breakout.mode"
    mode: Literal["assigned", "self_select"]


@register(FAMILY)
class BreakoutTimer(ClientMessage):
    """Moderators: set the end ``seconds`` from now, or extend / shorten it by ``seconds``.
    A later end during the grace countdown cancels the countdown."""
    model_config = examples({"type": "breakout.timer", "op": "extend", "seconds": 300})
    type: Literal["breakout.timer"] = "breakout.timer"
    op: Literal["set", "extend", "shorten"]
    seconds: Seconds


@register(FAMILY)
class BreakoutClose(ClientMessage):
    """Moderators: close one ``room`` now, every room now, or (``countdown``) start the grace
    countdown in every room."""
    model_config = examples({"type": "breakout.close"}, {"type": "breakout.close", "countdown": True},
                            {"type": "breakout.close", "room": "s2-topic-5-1"})
    type: Literal["breakout.close"] = "breakout.close"
    room: RoomKey | None = None
    countdown: bool = False
