"""Room activity for the control tower: every open room at a glance. Pure (no I/O).

The media server knows who is heard in each room (speakers.py) and whose media connection
is in trouble; the breakouts state knows who is in each room and who asked for help; the
action items know how far each room's Top 5 is. ``summarize`` turns one room's facts into
the compact line a moderator reads ("speaking: Ana", "quiet for 4 min", "Top 5: 3/5",
"connection trouble: Ben"), and ``delta`` keeps only the rooms whose line changed since the
last one sent, so a hundred quiet rooms cost nothing on the wire.

Time: the media server's clock is ``time.monotonic``; moderators read wall-clock moments.
``quiet_since`` is converted with a fixed ``clock_offset`` (wall - monotonic, taken once per
process) and rounded to whole seconds, so a room that stays quiet keeps the same line.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Heard within this many seconds: speaking now (the feed ticks every couple of seconds).
SPEAKING_WINDOW_S = 1.5
TOP_FIVE = 5


@dataclass(frozen=True)
class RoomFacts:
    """What the breakouts state and the action items say about one open room."""

    key: str
    name: str
    people: Sequence[int]  # in the room (assigned or moved there), not visitors
    help: bool = False
    top_five: int = 0  # items on the room's list


@dataclass(frozen=True)
class MediaFacts:
    """What the media server says about one room (signaling.media.hub.SpaceMedia)."""

    heard: Mapping[int, float] = field(default_factory=dict)  # person -> last heard (monotonic)
    trouble: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RoomActivity:
    """One room's line in the control tower."""

    room: str
    name: str
    people: int
    speaking: tuple[int, ...]  # speaking now, most recent first
    quiet_since: int | None  # wall-clock second of the last speech, None while speaking or never heard
    heard: bool  # anyone has spoken in this room since the media server saw it
    top_five: int  # 0..5
    help: bool
    trouble: tuple[int, ...]  # people of the room whose media connection is failing


def summarize(room: RoomFacts, media: MediaFacts, now: float, clock_offset: float) -> RoomActivity:
    """``now``: the media server's clock (monotonic); ``clock_offset``: wall minus monotonic."""
    members = set(room.people)
    heard = {person: at for person, at in media.heard.items() if person in members}
    speaking = tuple(sorted((p for p, at in heard.items() if now - at <= SPEAKING_WINDOW_S),
                            key=lambda p: (-heard[p], p)))
    last = max(heard.values(), default=None)
    quiet_since = None if speaking or last is None else round(last + clock_offset)
    return RoomActivity(
        room=room.key, name=room.name, people=len(members), speaking=speaking, quiet_since=quiet_since,
        heard=last is not None, top_five=min(TOP_FIVE, max(0, room.top_five)), help=room.help,
        trouble=tuple(sorted(media.trouble & members)))


def summarize_all(rooms: Sequence[RoomFacts], media: Mapping[str, MediaFacts], now: float,
                  clock_offset: float) -> dict[str, RoomActivity]:
    """Every room's line, keyed by room (a room the media server does not know: nobody heard)."""
    empty = MediaFacts()
    return {room.key: summarize(room, media.get(room.key, empty), now, clock_offset) for room in rooms}


def delta(before: Mapping[str, RoomActivity], after: Mapping[str, RoomActivity]
          ) -> tuple[list[RoomActivity], list[str]]:
    """(rooms whose line is new or changed, rooms gone) from ``before`` to ``after``."""
    changed = [line for key, line in after.items() if before.get(key) != line]
    gone = sorted(key for key in before if key not in after)
    return changed, gone
