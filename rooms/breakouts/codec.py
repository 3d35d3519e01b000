"""Plans, plan options and live breakouts as JSON values, and back. Pure.

JSON object keys are strings, but people are participant ids (ints): mappings
keyed by person are stored as lists of pairs so ids come back as they went in.
The live history is not stored here: each change becomes a RoomAssignment row.
"""
from __future__ import annotations

from typing import Any

from rooms.live import PLACE, HelpRequest, LiveBreakouts, LiveRoom
from rooms.planning import Plan, PlannedRoom, PlanOptions, Unplaced, compute_stats
from rooms.rounds import Round, RoundSequence

Json = dict[str, Any]


def options_to_json(options: PlanOptions) -> Json:
    return {"strategy": options.strategy, "room_count": options.room_count, "min_size": options.min_size,
            "max_size": options.max_size, "teams": options.teams, "seed": options.seed,
            "exclude_roles": sorted(options.exclude_roles), "everyone": options.everyone}


def options_from_json(data: Json) -> PlanOptions:
    fields = {k: data[k] for k in ("strategy", "room_count", "min_size", "max_size", "teams", "seed", "everyone")
              if k in data}
    if "exclude_roles" in data:
        fields["exclude_roles"] = frozenset(data["exclude_roles"])
    return PlanOptions(**fields)


def plan_to_json(plan: Plan) -> Json:
    return {
        "strategy": plan.strategy,
        "rooms": [{"key": r.key, "name": r.name, "topic_id": r.topic_id, "members": list(r.members),
                   "group": r.group} for r in plan.rooms],
        "unplaced": [[u.person, u.reason] for u in plan.unplaced],
        "wants": [[person, list(groups)] for person, groups in plan.wants.items()],
        "absent": plan.absent, "fits_none": list(plan.fits_none),
    }


def plan_from_json(data: Json) -> Plan:
    rooms = [PlannedRoom(r["key"], r["name"], r.get("topic_id"), list(r["members"]), r.get("group"))
             for r in data.get("rooms", [])]
    unplaced = [Unplaced(person, reason) for person, reason in data.get("unplaced", [])]
    wants = {person: tuple(groups) for person, groups in data.get("wants", [])}
    absent, fits_none = int(data.get("absent", 0)), tuple(data.get("fits_none", ()))
    return Plan(rooms, unplaced, compute_stats(rooms, unplaced, wants, absent, fits_none),
                data.get("strategy", "topic"), wants, absent, fits_none)


def live_to_json(state: LiveBreakouts) -> Json:
    return {
        "rooms": [{"key": r.key, "name": r.name, "topic_id": r.topic_id, "capacity": r.capacity,
                   "state": r.state, "group": r.group} for r in state.rooms],
        "assignments": [[person, room] for person, room in state.assignments.items()],
        "mode": state.mode, "ends_at": state.ends_at, "grace_seconds": state.grace_seconds,
        "closing_ends_at": state.closing_ends_at,
        "help_queue": [[h.person, h.room, h.requested_at] for h in state.help_queue],
        "late_joiners": state.late_joiners, "leave_out": sorted(state.leave_out),
    }


def live_from_json(data: Json) -> LiveBreakouts:
    rooms = tuple(LiveRoom(r["key"], r["name"], r.get("topic_id"), r.get("capacity"), r["state"], r.get("group"))
                  for r in data.get("rooms", []))
    return LiveBreakouts(
        rooms=rooms, assignments={person: room for person, room in data.get("assignments", [])},
        mode=data.get("mode", "assigned"), ends_at=data.get("ends_at"),
        grace_seconds=data.get("grace_seconds", 60.0), closing_ends_at=data.get("closing_ends_at"),
        help_queue=tuple(HelpRequest(p, room, at) for p, room, at in data.get("help_queue", [])),
        late_joiners=data.get("late_joiners", PLACE), leave_out=frozenset(data.get("leave_out", ())))


def rounds_to_json(sequence: RoundSequence | None) -> Json:
    if sequence is None:
        return {}
    return {"session_id": sequence.session_id, "rounds": [[r.strategy, r.minutes] for r in sequence.rounds],
            "grace_seconds": sequence.grace_seconds, "room_count": sequence.room_count, "seed": sequence.seed,
            "run": sequence.run, "current": sequence.current, "state": sequence.state,
            "past": [[list(room) for room in rooms] for rooms in sequence.past],
            "room_keys": [list(keys) for keys in sequence.room_keys], "repeats": sequence.repeats,
            "note": sequence.note}


def rounds_from_json(data: Json) -> RoundSequence | None:
    if not data:
        return None
    return RoundSequence(
        session_id=data["session_id"], rounds=tuple(Round(s, m) for s, m in data["rounds"]),
        grace_seconds=data.get("grace_seconds", 60.0), room_count=data.get("room_count"), seed=data.get("seed", 0),
        run=data.get("run", 0), current=data.get("current", 0), state=data.get("state", "defined"),
        past=tuple(tuple(tuple(room) for room in rooms) for rooms in data.get("past", [])),
        room_keys=tuple(tuple(keys) for keys in data.get("room_keys", [])), repeats=data.get("repeats", 0),
        note=data.get("note", ""))


EMPTY = LiveBreakouts(rooms=(), assignments={})
