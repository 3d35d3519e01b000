"""Breakouts family, part 2: opening and running rooms (moderators), choosing one (everyone,
in self-select mode). What people are told back is in ``breakouts.py``."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from signaling.protocol.base import ClientMessage, examples, register
from signaling.protocol.breakouts import FAMILY, ParticipantId, RoomKey, RoomSize, Seconds, SessionId

# ---- client → server: running rooms --------------------------------------------------

@register(FAMILY)
class BreakoutOpen(ClientMessage):
    """Moderators: open every room of the session's plan at once. assigned: everyone goes to
    their planned room; self_select: everyone stays in the plenary and chooses.
    ``late_joiners`` (assigned rooms): people not in the plan who connect while rooms are open
    are placed in the room that keeps the plan's rule (``place``), or wait in the plenary."""
    model_config = examples({"type": "breakout.open", "session_id": 2, "duration_s": 1800, "mode": "assigned"})
    type: Literal["breakout.open"] = "breakout.open"
    session_id: SessionId
    duration_s: Seconds
    mode: Literal["assigned", "self_select"] = "assigned"
    capacity: RoomSize | None = None
    grace_s: Annotated[float, Field(ge=0, le=3600)] = Field(60.0, description="countdown before rooms close")
    late_joiners: Literal["place", "plenary"] = Field("place", description=(
        "place: people not in the plan who connect while rooms are open go to the room of their topic, "
        "role or region, else the smallest; plenary: they wait there for a moderator"))


@register(FAMILY)
class BreakoutReopen(ClientMessage):
    """Moderators: open the closed rooms again from the plan (``reshuffle``: plan anew first)."""
    model_config = examples({"type": "breakout.reopen", "duration_s": 600, "reshuffle": False})
    type: Literal["breakout.reopen"] = "breakout.reopen"
    duration_s: Seconds
    reshuffle: bool = False
    capacity: RoomSize | None = None


@register(FAMILY)
class BreakoutMove(ClientMessage):
    """Moderators: move someone (from the plenary or a room) into an open room."""
    model_config = examples({"type": "breakout.move", "participant_id": 7, "room": "s2-topic-5-1"})
    type: Literal["breakout.move"] = "breakout.move"
    participant_id: ParticipantId
    room: RoomKey


@register(FAMILY)
class BreakoutSwap(ClientMessage):
    """Moderators: exchange the rooms of two (different) people, each in an open room."""
    model_config = examples({"type": "breakout.swap", "participant_id": 7, "other_participant_id": 9})
    type: Literal["breakout.swap"] = "breakout.swap"
    participant_id: ParticipantId
    other_participant_id: ParticipantId

    @model_validator(mode="after")
    def _two_people(self) -> BreakoutSwap:
        if self.participant_id == self.other_participant_id:
            raise ValueError("a swap needs two different people")
        return self


@register(FAMILY)
class BreakoutRecall(ClientMessage):
    """Moderators: bring one person back from their breakout room to the plenary
    (``not_in_room`` if they are in the plenary already)."""
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
    """Moderators: leave the room you visit, back to the plenary (``not_in_room`` if you visit none)."""
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
    countdown in every room (``breakout.closing`` tells everyone when rooms close). The console's
    "Close all rooms" sends ``countdown``; only its confirmed "End now" closes at once."""
    model_config = examples({"type": "breakout.close"}, {"type": "breakout.close", "countdown": True},
                            {"type": "breakout.close", "room": "s2-topic-5-1"})
    type: Literal["breakout.close"] = "breakout.close"
    room: RoomKey | None = None
    countdown: bool = False
