"""The control tower's database side: the open rooms' facts, and what rooms are told.

``room_facts`` reads the breakouts row and the rooms' Top 5 counts (two queries for every
room); rooms.activity turns them, with the media server's facts, into the moderators' lines.
``listening`` / ``speaking`` tell a room's people (through the one door, to the room's space
group) that a moderator listens in or speaks to them; they are sent again when it ends.
"""
from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from action_items.models import ActionItem
from rooms.actions.publish import publish, space_group
from rooms.activity import RoomFacts
from rooms.breakouts import store
from rooms.lifecycle import LIVE_STATES
from signaling.protocol.shapes import Person
from signaling.protocol.tower import TowerListening, TowerSpeaking


def live_rooms(convening_id: int) -> list[str]:
    """The keys of the rooms open (or closing) now, in the plan's order."""
    return [r.key for r in store.load(convening_id).state.rooms if r.state in LIVE_STATES]


def live_members(convening_id: int) -> dict[str, frozenset[int]]:
    """The rooms open (or closing) now, in the plan's order, with who is in each."""
    state = store.load(convening_id).state
    return {r.key: frozenset(int(p) for p in state.members(r.key)) for r in state.rooms if r.state in LIVE_STATES}


def room_facts(convening_id: int) -> list[RoomFacts]:
    """Every open room: its people, whether someone asked for help, its Top 5 count."""
    state = store.load(convening_id).state
    rooms = [r for r in state.rooms if r.state in LIVE_STATES]
    if not rooms:
        return []
    counts = dict(ActionItem.objects.filter(convening_id=convening_id, team__isnull=True,
                                            room_key__in=[r.key for r in rooms])
                  .values_list("room_key").annotate(n=Count("pk")).values_list("room_key", "n"))
    helped = {h.room for h in state.help_queue}
    return [RoomFacts(key=r.key, name=r.name, people=tuple(int(p) for p in state.members(r.key)), help=r.key in helped,
                      top_five=counts.get(r.key, 0)) for r in rooms]


def listening(convening_id: int, room: str, by: Person, on: bool) -> None:
    publish(space_group(convening_id, room), TowerListening(room=room, by=by, listening=on))


def speaking(convening_id: int, rooms: list[str], by: Person, on: bool, to_all: bool) -> TowerSpeaking:
    message = TowerSpeaking(by=by, speaking=on, to_all=to_all, at=timezone.now())
    for room in rooms:
        publish(space_group(convening_id, room), message)
    return message
