"""Where the report reads breakout room history from: rooms' RoomAssignment rows.

Every stay of a participant in a breakout room is a RoomAssignment (rooms.breakout_models),
written by the live breakouts as people are opened into, moved between and recalled from
rooms. A room here is everyone who was ever assigned to it (moderators' visits excepted).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from convenings.models import Convening
from rooms.breakout_models import RoomAssignment


@dataclass(frozen=True)
class RoomSummary:
    session_id: int | None  # the breakout session the room belonged to
    room_key: str  # the same key ActionItem.room_key uses
    room_name: str
    participant_names: list[str] = field(default_factory=list)


def breakout_rooms(convening: Convening) -> list[RoomSummary]:
    """Every breakout room of the convening with who was assigned to it, by session then name."""
    stays = (RoomAssignment.objects.filter(convening=convening).exclude(reason="visited")
             .select_related("participant__user", "session").order_by("joined_at", "id"))
    rooms: dict[str, tuple[int | None, int, str, dict[int, str]]] = {}
    for stay in stays:
        order = stay.session.order if stay.session else 0
        _, _, _, people = rooms.setdefault(stay.room_key, (stay.session_id, order, stay.room_name, {}))
        rooms[stay.room_key] = (stay.session_id, order, stay.room_name or stay.room_key, people)  # latest name
        people[stay.participant_id] = stay.participant.name
    ordered = sorted(rooms.items(), key=lambda kv: (kv[1][1], kv[1][2].lower(), kv[0]))
    return [RoomSummary(session_id, key, name, sorted(people.values(), key=str.lower))
            for key, (session_id, _, name, people) in ordered]
