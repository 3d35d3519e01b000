"""Tower family: the moderators' control tower over every breakout room.

From the plenary a moderator watches every open room's activity (``tower.watch``: a
``tower.activity`` with every room, then every couple of seconds only the rooms that
changed), listens in to one room without entering it (``tower.listen``: their media
connection also receives the room's microphones; the room is told ``tower.listening``),
and speaks by voice to all rooms or one (``tower.speak``: their microphone goes to those
rooms' people, and nowhere else — not the plenary; the rooms are told ``tower.speaking``).
Listening and speaking need the moderator's media connection (a ``media.offer`` first:
``unknown_participant`` otherwise) and end when they stop, when the rooms close, or when
their connection closes. Everyone but moderators gets ``forbidden``.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from signaling.protocol.base import ClientMessage, ServerMessage, examples, register
from signaling.protocol.breakouts import RoomKey
from signaling.protocol.shapes import Person

FAMILY = "tower"
# One room, or all of them: a moderator speaks to at most every room at once.
MAX_ROOMS = 200
_AT = "2026-05-12T14:03:00Z"
_ROOM = {"room": "room-1", "name": "Professional Learning 1", "people": 6, "speaking": [7],
         "quiet_since": None, "heard": True, "top_five": 3, "help": False, "trouble": []}
_BY = {"participant_id": 3, "name": "Maria Lopez"}


class RoomActivityOut(BaseModel):
    """One room's line in the control tower (rooms.activity.RoomActivity)."""
    model_config = ConfigDict(extra="forbid")
    room: str
    name: str
    people: int = Field(description="people in the room")
    speaking: list[int] = Field(description="participants speaking now, most recent first")
    quiet_since: dt.datetime | None = Field(
        description="when someone last spoke, while nobody speaks (null while someone speaks, or if nobody has)")
    heard: bool = Field(description="anyone has spoken in the room")
    top_five: int = Field(description="items on the room's Top 5 Action Items (0-5)")
    help: bool = Field(description="someone in the room asked for help")
    trouble: list[int] = Field(description="participants whose media connection is failing")


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class TowerWatch(ClientMessage):
    """Moderators: start (or, ``on: false``, stop) this connection's room-activity feed. The
    answer is a ``tower.activity`` with every open room (``full: true``); then, every couple of
    seconds, one with only the rooms whose line changed."""
    model_config = examples({"type": "tower.watch", "id": "w1"})
    answer: ClassVar[str] = "tower.activity"
    answers_later: ClassVar[bool] = True
    type: Literal["tower.watch"] = "tower.watch"
    on: bool = True


@register(FAMILY)
class TowerListen(ClientMessage):
    """Moderators: also hear ``room``'s microphones on your media connection, without entering
    it (one room at a time: listening to another stops the first). Everyone in the room sees
    that you are listening. A room that is not open: ``not_found``. With media workers, a room
    on another worker is relayed to yours (``media_unavailable`` only when a worker has no relay)."""
    model_config = examples({"type": "tower.listen", "id": "l1", "room": "room-1"})
    type: Literal["tower.listen"] = "tower.listen"
    room: RoomKey


@register(FAMILY)
class TowerStopListening(ClientMessage):
    """Moderators: stop listening in."""
    model_config = examples({"type": "tower.stop_listening", "id": "l2"})
    type: Literal["tower.stop_listening"] = "tower.stop_listening"


@register(FAMILY)
class TowerSpeak(ClientMessage):
    """Moderators: your microphone goes to ``rooms`` (``"all"``: every open room, including
    rooms opened while you speak) instead of your own space, until ``tower.stop_speaking``.
    Everyone in those rooms sees and hears that you speak to them. With media workers, your
    microphone is relayed to rooms on other workers (``media_unavailable`` only when a worker has
    no relay)."""
    model_config = examples({"type": "tower.speak", "id": "s1", "rooms": "all"},
                            {"type": "tower.speak", "id": "s2", "rooms": ["room-2"]})
    type: Literal["tower.speak"] = "tower.speak"
    rooms: Literal["all"] | Annotated[list[RoomKey], Field(min_length=1, max_length=MAX_ROOMS)]


@register(FAMILY)
class TowerStopSpeaking(ClientMessage):
    """Moderators: your microphone goes back to your own space."""
    model_config = examples({"type": "tower.stop_speaking", "id": "s3"})
    type: Literal["tower.stop_speaking"] = "tower.stop_speaking"


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class TowerActivity(ServerMessage):
    """To a watching moderator: rooms whose activity line is new or changed (``full``: every
    open room, replace what you have), and rooms no longer open (``gone``)."""
    model_config = examples({"type": "tower.activity", "rooms": [_ROOM], "gone": [], "full": True, "ref": "w1"})
    type: Literal["tower.activity"] = "tower.activity"
    rooms: list[RoomActivityOut]
    gone: list[str] = Field(default_factory=list)
    full: bool = False
    ref: str | None = None


@register(FAMILY)
class TowerListening(ServerMessage):
    """To a room: a moderator ``by`` started (``listening: true``) or stopped listening in."""
    model_config = examples({"type": "tower.listening", "room": "room-1", "by": _BY, "listening": True})
    type: Literal["tower.listening"] = "tower.listening"
    room: str
    by: Person
    listening: bool


@register(FAMILY)
class TowerSpeaking(ServerMessage):
    """To the rooms spoken to: a moderator ``by`` speaks to them by voice (``speaking: true``)
    or stopped; ``to_all``: to every room (else to this room only). Also to the moderator
    when their speaking ended without them (the rooms closed)."""
    model_config = examples({"type": "tower.speaking", "by": _BY, "speaking": True, "to_all": True, "at": _AT})
    type: Literal["tower.speaking"] = "tower.speaking"
    by: Person
    speaking: bool
    to_all: bool
    at: dt.datetime
