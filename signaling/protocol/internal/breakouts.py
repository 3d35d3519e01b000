"""``breakouts.event``: a breakouts change on its way to connections (sent by
rooms.actions.breakout_publish, received by signaling.consumers.breakout_events).

Two kinds:

* ``follow``, to one person's tabs (their participant group): their notice, then the switch of space.
* ``lines``, to the convening (or a moderator's own group): the serialized client messages for
  participants (``public``) and moderators (``staff``); when many people move at once (opening,
  closing), who moves where (``moves``), the notice for each destination and the fresh rooms.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from signaling.protocol.internal import InternalEvent

BREAKOUTS: Literal["breakouts.event"] = "breakouts.event"


class Follow(InternalEvent):
    """This person's connections switch to ``space``; ``notice`` (a serialized client message) first."""

    type: Literal["breakouts.event"] = BREAKOUTS
    kind: Literal["follow"] = "follow"
    space: str
    notice: str | None = None
    fresh: bool = False  # the room holds nothing yet: space.entered without asking the database
    version: int = 0  # the breakouts state's version: connections of one worker share one query per room


class Lines(InternalEvent):
    """Serialized client messages for everyone, chosen per connection (staff or not)."""

    type: Literal["breakouts.event"] = BREAKOUTS
    kind: Literal["lines"] = "lines"
    version: int = 0
    public: list[str] = []
    staff: list[str] = []
    # Many people moving at once ride here: participant id (text: msgpack maps want string
    # keys) -> space, the notice for each destination space, and the rooms that hold nothing yet.
    moves: dict[str, str] = {}
    notices: dict[str, str] = {}
    fresh: list[str] = []


BreakoutsEvent = Annotated[Follow | Lines, Field(discriminator="kind")]
BREAKOUTS_EVENT: TypeAdapter[BreakoutsEvent] = TypeAdapter(BreakoutsEvent)
