"""Room keys that work everywhere a room is named. Pure.

The planner's keys ("topic:12:1", "region:Bay Area:2") name rooms within one
plan. Live, a key is also a space ("s5-topic-12-1"): part of channel-layer group
names (letters, digits, "-", "_"), the chat's space column and ActionItem.room_key,
which must be unique within the convening — so keys carry their session.
"""
from __future__ import annotations

import re
from dataclasses import replace

from rooms.planning import Plan

MAX_KEY = 64
_UNSAFE = re.compile(r"[^a-z0-9]+")
_SPACE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # signaling.protocol.base.SPACE_PATTERN


def prefix(session_id: int) -> str:
    return f"s{session_id}-"


def is_space_key(key: str, session_id: int) -> bool:
    return bool(_SPACE_KEY.match(key)) and key.startswith(prefix(session_id))


def space_key(key: str, session_id: int, taken: set[str]) -> str:
    """A space-safe key for a planner key, unique among ``taken``."""
    if is_space_key(key, session_id) and key not in taken:
        return key
    stem = (prefix(session_id) + (_UNSAFE.sub("-", key.lower()).strip("-") or "room"))[:MAX_KEY - 4]
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def with_space_keys(plan: Plan, session_id: int) -> Plan:
    """The plan with every room key made space-safe (keys already safe are kept)."""
    taken: set[str] = set()
    rooms = []
    for room in plan.rooms:
        key = space_key(room.key, session_id, taken)
        taken.add(key)
        rooms.append(room if key == room.key else replace(room, key=key))
    return replace(plan, rooms=rooms)


def new_room_key(plan: Plan, session_id: int) -> str:
    """A free key for a room a moderator adds."""
    taken = {r.key for r in plan.rooms}
    return next(k for n in range(1, len(taken) + 2) if (k := f"{prefix(session_id)}added-{n}") not in taken)
