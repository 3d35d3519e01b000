"""INTEGRATION POINT: where the report reads breakout room history from.

The breakouts engineer keeps room assignment history in the ``rooms`` app. Until it
does, ``breakout_rooms`` returns an empty list and the report says so. To connect it,
replace the body of ``breakout_rooms`` with a read of that history, keeping the
signature and the ``RoomSummary`` shape; the report and its CSV need no other change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from convenings.models import Convening


@dataclass(frozen=True)
class RoomSummary:
    session_id: int | None  # the breakout session the room belonged to
    room_key: str  # the same key ActionItem.room_key uses
    room_name: str
    participant_names: list[str] = field(default_factory=list)


def breakout_rooms(convening: Convening) -> list[RoomSummary]:
    """Every breakout room of the convening with who was assigned to it."""
    return []
