"""Breakouts family, part 4: multi-round protocols (moderators). A sequence of rounds (a
jigsaw, role then region, rotations with no repeated pairings) runs in one breakout session:
each round's rooms open for its minutes, the wrap-up countdown runs, and the next round's
rooms open by themselves. Everyone sees the sequence in ``breakout.state``'s ``rounds``."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from signaling.protocol.base import ClientMessage, examples, register
from signaling.protocol.breakouts import FAMILY, RoomSize, RoundStrategy, SessionId


class RoundIn(BaseModel):
    strategy: RoundStrategy = Field(description=(
        "topic / role / region / random: as `breakout.plan`; jigsaw: each room gets one person from each "
        "room of the round before; rotation: nobody meets anyone twice while that is possible"))
    minutes: Annotated[float, Field(gt=0, le=1440)]


@register(FAMILY)
class BreakoutRoundsSet(ClientMessage):
    """Moderators: define the session's rounds (not started; replaces a defined sequence)."""
    model_config = examples({"type": "breakout.rounds.set", "session_id": 2, "grace_s": 60,
                             "rounds": [{"strategy": "topic", "minutes": 15}, {"strategy": "jigsaw", "minutes": 15}]})
    type: Literal["breakout.rounds.set"] = "breakout.rounds.set"
    session_id: SessionId
    rounds: list[RoundIn] = Field(min_length=1, max_length=12)
    grace_s: Annotated[float, Field(ge=0, le=3600)] = Field(60.0, description="wrap-up countdown between rounds")
    room_count: RoomSize | None = Field(None, description="rooms per round; null: each round's rule decides")


@register(FAMILY)
class BreakoutRoundsStart(ClientMessage):
    """Moderators: open the first round's rooms, planned from the people here now (no room may be open)."""
    model_config = examples({"type": "breakout.rounds.start"})
    type: Literal["breakout.rounds.start"] = "breakout.rounds.start"


@register(FAMILY)
class BreakoutRoundsNext(ClientMessage):
    """Moderators: end the running round now and open the next (``countdown``: start the wrap-up
    countdown instead; the next round opens when it ends). After the last round: rooms close."""
    model_config = examples({"type": "breakout.rounds.next"}, {"type": "breakout.rounds.next", "countdown": True})
    type: Literal["breakout.rounds.next"] = "breakout.rounds.next"
    countdown: bool = False


@register(FAMILY)
class BreakoutRoundsStop(ClientMessage):
    """Moderators: no further rounds; the rooms open now run until their timer ends or they are closed."""
    model_config = examples({"type": "breakout.rounds.stop"})
    type: Literal["breakout.rounds.stop"] = "breakout.rounds.stop"
