"""Where the report reads breakout room history from: rooms' RoomAssignment rows.

Every stay of a participant in a breakout room is a RoomAssignment (rooms.breakout_models),
written by the live breakouts as people are opened into, moved between and recalled from
rooms. A room here is everyone who was ever assigned to it (moderators' visits excepted);
the membership download lists every stay, visits included, from when to when.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from convenings.models import Convening
from people.models import Participant
from rooms.breakout_models import RoomAssignment

NO_SESSION = "Session not recorded"

# RoomAssignment.reason / left_reason in the words people use.
ARRIVED = {"opened": "placed when rooms opened", "reopened": "placed when rooms reopened",
           "moved": "moved here by a moderator", "swapped": "swapped here by a moderator",
           "self_selected": "chose this room", "visited": "visiting (moderator)",
           "joined": "joined after rooms opened"}
LEFT = {"closed": "rooms closed", "recalled": "recalled to the plenary", "moved": "moved to another room",
        "swapped": "swapped to another room", "self_selected": "chose another room",
        "returned": "returned to the plenary", "reopened": "rooms reopened"}


@dataclass(frozen=True)
class RoomSummary:
    session_id: int | None  # the breakout session the room belonged to
    room_key: str  # the same key ActionItem.room_key uses
    room_name: str
    participant_names: list[str] = field(default_factory=list)
    session_title: str = NO_SESSION


@dataclass(frozen=True)
class RoomStay:
    """One person in one room of one session, from ``joined_at`` to ``left_at``."""
    session_title: str
    room_key: str
    room_name: str
    participant: Participant
    joined_at: dt.datetime
    left_at: dt.datetime | None  # None: still in the room (or the close was never recorded)
    arrived: str
    left: str


def _stays(convening: Convening) -> QuerySet[RoomAssignment]:
    return (RoomAssignment.objects.filter(convening=convening)
            .select_related("participant__user", "participant__school", "session").order_by("joined_at", "id"))


def breakout_rooms(convening: Convening) -> list[RoomSummary]:
    """Every breakout room of the convening with who was assigned to it, by session then name."""
    rooms: dict[str, tuple[int | None, int, str, str, dict[int, str]]] = {}
    for stay in _stays(convening).exclude(reason="visited"):
        order = stay.session.order if stay.session else 0
        title = stay.session.title if stay.session else NO_SESSION
        people = rooms[stay.room_key][4] if stay.room_key in rooms else {}
        rooms[stay.room_key] = (stay.session_id, order, title, stay.room_name or stay.room_key, people)  # latest name
        people[stay.participant_id] = stay.participant.name
    ordered = sorted(rooms.items(), key=lambda kv: (kv[1][1], kv[1][0] or 0, kv[1][3].lower(), kv[0]))
    return [RoomSummary(session_id, key, name, sorted(people.values(), key=str.lower), title)
            for key, (session_id, _, title, name, people) in ordered]


def room_stays(convening: Convening) -> list[RoomStay]:
    """Every stay in a breakout room, by session, room, then arrival."""
    stays = list(_stays(convening))
    stays.sort(key=lambda s: (s.session.order if s.session else 0, s.session_id or 0,
                              (s.room_name or s.room_key).lower(), s.room_key, s.joined_at, s.pk))
    return [RoomStay(s.session.title if s.session else NO_SESSION, s.room_key, s.room_name or s.room_key,
                     s.participant, s.joined_at, s.left_at, ARRIVED.get(s.reason, s.reason),
                     LEFT.get(s.left_reason, s.left_reason)) for s in stays]
