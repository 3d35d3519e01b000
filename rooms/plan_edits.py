"""Editing a draft breakout plan before the session: move, swap, add, rename, remove.

Pure: each edit returns a new Plan; the old one is untouched.
"""
from __future__ import annotations

from dataclasses import replace

from rooms.planning import PersonId, Plan, PlanEditError, PlannedRoom, Unplaced, restated


def _edited(plan: Plan, rooms: list[PlannedRoom], unplaced: list[Unplaced]) -> Plan:
    return restated(plan, rooms, unplaced)


def _room_index(plan: Plan, key: str) -> int:
    for i, room in enumerate(plan.rooms):
        if room.key == key:
            return i
    raise PlanEditError(f"unknown room {key!r}")


def _where(plan: Plan, person: PersonId) -> int | None:
    """Index of the person's room; None when unplaced; unknown people are an error."""
    for i, room in enumerate(plan.rooms):
        if person in room.members:
            return i
    if any(u.person == person for u in plan.unplaced):
        return None
    raise PlanEditError(f"unknown person {person!r}")


def _checked_name(plan: Plan, name: str, except_key: str | None = None) -> str:
    name = name.strip()
    if not name:
        raise PlanEditError("a room needs a name")
    if any(r.name == name and r.key != except_key for r in plan.rooms):
        raise PlanEditError(f"a room is already named {name!r}")  # names identify rooms in CSV
    return name


def move_person(plan: Plan, person: PersonId, room_key: str) -> Plan:
    """Put a person (placed or unplaced, even an excluded one) into a room."""
    target, source = _room_index(plan, room_key), _where(plan, person)
    if source == target:
        return plan
    rooms = list(plan.rooms)
    if source is not None:
        rooms[source] = replace(rooms[source], members=[m for m in rooms[source].members if m != person])
    rooms[target] = replace(rooms[target], members=[*rooms[target].members, person])
    return _edited(plan, rooms, [u for u in plan.unplaced if u.person != person])


def swap_people(plan: Plan, a: PersonId, b: PersonId) -> Plan:
    """Exchange the rooms of two placed people (each keeps the other's position)."""
    ia, ib = _where(plan, a), _where(plan, b)
    if ia is None or ib is None:
        raise PlanEditError(f"{a if ia is None else b!r} is not in a room; use move_person")
    if ia == ib:
        return plan
    rooms = list(plan.rooms)
    rooms[ia] = replace(rooms[ia], members=[b if m == a else m for m in rooms[ia].members])
    rooms[ib] = replace(rooms[ib], members=[a if m == b else m for m in rooms[ib].members])
    return _edited(plan, rooms, plan.unplaced)


def add_room(plan: Plan, name: str, topic_id: str | None = None, key: str | None = None) -> Plan:
    """Append an empty room; the key defaults to the first free "added:N"."""
    name = _checked_name(plan, name)
    keys = {r.key for r in plan.rooms}
    if key is None:
        key = next(f"added:{i}" for i in range(1, len(keys) + 2) if f"added:{i}" not in keys)
    elif key in keys:
        raise PlanEditError(f"room key {key!r} is already used")
    group = None if topic_id is None else str(topic_id)
    return _edited(plan, [*plan.rooms, PlannedRoom(key, name, topic_id, [], group)], plan.unplaced)


def rename_room(plan: Plan, key: str, name: str) -> Plan:
    i = _room_index(plan, key)
    rooms = list(plan.rooms)
    rooms[i] = replace(rooms[i], name=_checked_name(plan, name, except_key=key))
    return _edited(plan, rooms, plan.unplaced)


def remove_room(plan: Plan, key: str, members_to: str = "smallest") -> Plan:
    """Drop a room. Its members go one by one to the then-smallest remaining room
    (earliest on ties), or with members_to="unplaced" (or when no room is left) to
    Plan.unplaced with reason "room removed"."""
    if members_to not in ("smallest", "unplaced"):
        raise PlanEditError(f"members_to must be 'smallest' or 'unplaced', not {members_to!r}")
    i = _room_index(plan, key)
    leaving = plan.rooms[i].members
    rooms = [replace(r, members=list(r.members)) for j, r in enumerate(plan.rooms) if j != i]
    if members_to == "unplaced" or not rooms:
        return _edited(plan, rooms, [*plan.unplaced, *(Unplaced(p, "room removed") for p in leaving)])
    for p in leaving:
        min(rooms, key=lambda r: len(r.members)).members.append(p)
    return _edited(plan, rooms, plan.unplaced)
