"""Breakout planning: who goes to which breakout room. Pure: no I/O, no Django.

Guarantees of plan_breakouts (property-tested in tests/rooms/):
* Everyone whose convening role is not excluded is in exactly one room;
  excluded people are in none and are listed in Plan.unplaced with a reason.
* Room count and bounds (see PlanOptions): with room_count only, that many
  rooms (never more than people); with bounds only, mid-range rooms; with
  both, room_count clamped into what the bounds allow. When min and max
  cannot both hold, max wins and rooms are as even as possible.
* teams="ignore"/"spread", every strategy: room sizes differ by at most one
  across all rooms (n // rooms each, n % rooms of them one more), which is
  within [min_size, max_size] whenever the bounds are satisfiable.
  Trade-off, chosen because people expect even rooms: a popular topic's
  rooms cannot grow past the others', so some of its fans go to their next
  choice, or fill another topic's room. 7 people who want only A and 3 who
  want only B, in 2 rooms: 5 and 5, with 2 of A's fans in B's room (uneven
  rooms of 7 and 3 would seat all 10 in their topic). On the benchmark
  roster (bench/breakout_plan.py, 1,000 people, 100 rooms of 7-13) the
  any-interest share stays 100%; first choice drops from 98.8% to 95.5%.
* "spread": no two members of a team share a room when their group has at
  least as many rooms as the team has members in it ("random": room count).
* "together": each team in one room, never above max_size; a team larger than
  max_size is split into the fewest near-equal parts. Cohesion beats the room
  count (an extra room opens when teams do not pack) and min/balance are best
  effort. Mixed-role teams follow the majority for "role"/"region".
* "topic", lopsided interests: rooms go to topics by first-choice demand
  (D'Hondt). A topic whose first-choice demand cannot fill one room
  (< min_size), or the weakest when topics outnumber rooms, gets none; its
  people fall through to their next choice. When a topic's rooms are full
  (their even sizes), augmenting paths shift people to their other interests,
  so with no min_size the number seated in a topic they chose is the maximum
  possible for these rooms (tested against an independent max flow); with
  min_size it is never below a greedy plan of the same even rooms that also
  respects min_size (tested). Whoever cannot be seated in an interest fills
  the rooms still short. "role"/"region" work the same way with one choice
  each: a group too small for a room of its own fills the emptiest rooms.
* Same input and seed give an identical plan.
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from rooms.planning_strategies import (Sizes, Unit, apportion, assign_units, even_sizes, greedy_rooms,
                                       open_groups, room_budget, split_group)

PersonId = str | int
STRATEGIES = ("topic", "role", "region", "random")
TEAM_MODES = ("together", "spread", "ignore")
CONVENING_ROLES = ("organizer", "moderator", "presenter", "participant")  # convenings.permissions.ROLES
DEFAULT_EXCLUDED = frozenset({"moderator", "organizer", "presenter"})  # staff run the rooms, not sit in them
# Roundtables split by role into coaches / technicians / administrators; school
# and district leaders sit with administrators, teachers and support staff get their own.
ROLE_GROUPS = {"principal": "administrators", "district_leader": "administrators",
               "administrator": "administrators", "coach": "coaches", "technician": "technicians",
               "teacher": "teachers", "support_staff": "support_staff"}
GROUP_NAMES = {"administrators": "Administrators", "coaches": "Coaches", "technicians": "Technicians",
               "teachers": "Teachers", "support_staff": "Support Staff"}


class PlanError(ValueError):
    """Base class for planning errors."""


class PlanOptionsError(PlanError):
    pass


class PlanEditError(PlanError):
    pass


class PlanImportError(PlanError):
    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class Person:
    id: PersonId
    job_role: str = "teacher"
    school: str | None = None
    team: str | None = None  # School Leadership Team id
    region: str | None = None
    interests: tuple[str, ...] = ()  # topic ids, first choice first
    convening_role: str = "participant"
    name: str = ""


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    kind: str = "core_component"  # core_component | content_area | role | region


@dataclass(frozen=True)
class PlanOptions:
    """How to plan. Give room_count, min_size/max_size, or both:
    room_count alone: that many rooms (at most one per person); max_size alone:
    the fewest rooms that fit; min_size alone: the most rooms that fill; both
    bounds: rooms of about (min+max)/2; all three: room_count clamped into
    what the bounds allow."""
    strategy: str = "topic"
    room_count: int | None = None
    min_size: int | None = None
    max_size: int | None = None
    teams: str = "ignore"
    exclude_roles: frozenset[str] = DEFAULT_EXCLUDED
    seed: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise PlanOptionsError(f"unknown strategy {self.strategy!r}; use one of {STRATEGIES}")
        if self.teams not in TEAM_MODES:
            raise PlanOptionsError(f"unknown teams mode {self.teams!r}; use one of {TEAM_MODES}")
        if self.room_count is None and self.min_size is None and self.max_size is None:
            raise PlanOptionsError("give room_count or min_size/max_size")
        for label in ("room_count", "min_size", "max_size"):
            value = getattr(self, label)
            if value is not None and value < 1:
                raise PlanOptionsError(f"{label} must be at least 1, got {value}")
        if self.min_size and self.max_size and self.min_size > self.max_size:
            raise PlanOptionsError(f"min_size {self.min_size} exceeds max_size {self.max_size}")
        if isinstance(self.exclude_roles, str):
            raise PlanOptionsError("exclude_roles is a list of convening roles, not one string")
        object.__setattr__(self, "exclude_roles", frozenset(self.exclude_roles))  # any list of roles
        if unknown := sorted(self.exclude_roles - set(CONVENING_ROLES)):
            raise PlanOptionsError(f"unknown role {unknown[0]!r} to leave out; use any of {', '.join(CONVENING_ROLES)}")


@dataclass(frozen=True)
class PlannedRoom:
    key: str
    name: str
    topic_id: str | None
    members: list[PersonId]
    group: str | None = None  # what members may have asked for: topic id, role group or region


@dataclass(frozen=True)
class Unplaced:
    person: PersonId
    reason: str


@dataclass(frozen=True)
class PlanStats:
    placed: int
    unplaced: int
    rooms: int
    smallest: int
    largest: int
    first_choice_share: float | None  # placed people in their first choice's room
    any_interest_share: float | None  # ... in a room of any of their interests (own group for role/region)


@dataclass(frozen=True)
class Plan:
    rooms: list[PlannedRoom]
    unplaced: list[Unplaced]
    stats: PlanStats
    strategy: str = "topic"
    wants: dict[PersonId, tuple[str, ...]] = field(default_factory=dict)  # keeps stats right after edits


def compute_stats(rooms: Sequence[PlannedRoom], unplaced: Sequence[Unplaced],
                  wants: dict[PersonId, tuple[str, ...]]) -> PlanStats:
    sizes = [len(room.members) for room in rooms]
    placed = sum(sizes)
    first = hits = 0
    for room in rooms:
        for p in room.members:
            chosen = wants.get(p, ())
            first += bool(chosen) and chosen[0] == room.group
            hits += room.group in chosen
    anyone_chose = placed > 0 and any(wants.get(p) for room in rooms for p in room.members)
    return PlanStats(placed, len(unplaced), len(rooms), min(sizes, default=0), max(sizes, default=0),
                     first / placed if anyone_chose else None, hits / placed if anyone_chose else None)


@dataclass(frozen=True)
class _Groups:
    wants: list[tuple[str, ...]]  # per included person
    order: list[str]  # group keys, in naming order
    names: dict[str, str]
    topic_ids: dict[str, str | None]


def _role_group(role: str) -> str:
    return ROLE_GROUPS.get(role, role)


def _group_name(group: str) -> str:
    name = GROUP_NAMES.get(group) or group.replace("_", " ").title()
    return name if group in GROUP_NAMES or name.endswith("s") else name + "s"


def _groups(strategy: str, people: Sequence[Person], topics: Sequence[Topic]) -> _Groups:
    if strategy == "topic":
        known = {str(t.id): t for t in topics}
        wants = [tuple(dict.fromkeys(str(i) for i in p.interests if str(i) in known)) for p in people]
        return _Groups(wants, list(known), {k: t.name for k, t in known.items()},
                       {k: t.id for k, t in known.items()})
    if strategy == "random":
        return _Groups([() for _ in people], [], {}, {})
    if strategy == "role":
        wants = [(_role_group(p.job_role),) for p in people]
        order = list(dict.fromkeys([*GROUP_NAMES, *(w[0] for w in wants)]))
        names = {g: _group_name(g) for g in order}
    else:
        wants = [(p.region,) if p.region else () for p in people]
        order = sorted({w[0] for w in wants if w})
        names = {g: g for g in order}
    # A role or region topic (e.g. "Coaches", kind role) labels the room when one matches.
    by_name = {(t.kind, t.name.lower()): t.id for t in topics} | {(t.kind, str(t.id)): t.id for t in topics}
    ids = {g: by_name.get((strategy, names[g].lower()), by_name.get((strategy, g))) for g in order}
    return _Groups(wants, order, names, ids)


def _units(people: Sequence[Person], wants: Sequence[tuple[str, ...]], teams: str,
           hi: int | None) -> list[Unit]:
    if teams != "together":
        return [Unit((i,), w) for i, w in enumerate(wants)]
    by_team: dict[str, list[int]] = {}
    units = []
    for i, p in enumerate(people):
        if p.team is None:
            units.append(Unit((i,), wants[i]))
        else:
            by_team.setdefault(p.team, []).append(i)
    for members in by_team.values():
        score: dict[str, int] = {}  # Borda count: the team goes where its members lean
        for i in members:
            for rank, g in enumerate(wants[i]):
                score[g] = score.get(g, 0) + len(wants[i]) - rank
        team_wants = tuple(sorted(score, key=lambda g: -score[g]))
        parts = math.ceil(len(members) / hi) if hi else 1  # oversized team: fewest near-equal parts
        units.extend(Unit(tuple(members[k::parts]), team_wants) for k in range(parts))
    return units


@dataclass(frozen=True)
class _Prepared:
    people: list[Person]
    unplaced: list[Unplaced]
    groups: _Groups
    units: list[Unit]
    lo: int
    hi: int | None
    layout: dict[str, int]  # rooms per group; "" = rooms without a group
    sizes: Sizes  # what each room may hold: even sizes, or the bounds (teams kept together)


def _prepare(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions) -> _Prepared:
    people = [p for p in participants if p.convening_role not in options.exclude_roles]
    unplaced = [Unplaced(p.id, f"excluded role: {p.convening_role}")
                for p in participants if p.convening_role in options.exclude_roles]
    groups = _groups(options.strategy, people, topics)
    count, lo, hi = room_budget(len(people), options.room_count, options.min_size, options.max_size)
    units = _units(people, groups.wants, options.teams, hi)
    demand = open_groups(units, groups.order, count, lo)
    layout = apportion(demand, count, lo) if demand else ({"": count} if count else {})
    # Whole teams do not divide evenly: "together" keeps the bounds and balances as it can.
    sizes = Sizes(lo, hi) if options.teams == "together" else even_sizes(len(people), count)
    return _Prepared(people, unplaced, groups, units, lo, hi, layout, sizes)


def _rooms(prep: _Prepared, strategy: str, parts_by_group: dict[str, list[list[int]]]) -> list[PlannedRoom]:
    rooms = []
    for g, parts in parts_by_group.items():
        for i, part in enumerate(parts, start=1):
            name = prep.groups.names.get(g, "Room")
            name = f"{name} · {i}" if g and len(parts) > 1 else (name if g else f"Room {i}")
            key = f"{strategy}:{g}:{i}" if g else f"room:{i}"
            members = [prep.people[p].id for p in part]
            rooms.append(PlannedRoom(key, name, prep.groups.topic_ids.get(g), members, g or None))
    return rooms


def _finish(prep: _Prepared, strategy: str, parts_by_group: dict[str, list[list[int]]]) -> Plan:
    rooms = _rooms(prep, strategy, parts_by_group)
    wants = {p.id: w for p, w in zip(prep.people, prep.groups.wants)}
    return Plan(rooms, prep.unplaced, compute_stats(rooms, prep.unplaced, wants), strategy, wants)


def plan_breakouts(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions) -> Plan:
    """Plan breakout rooms; see the module docstring for what is guaranteed."""
    prep = _prepare(participants, topics, options)
    rng = random.Random(options.seed)
    if "" in prep.layout:  # nobody chose anything that got a room: one undivided group
        assigned = {"": list(range(len(prep.units)))}
    else:
        assigned = assign_units(prep.units, prep.layout, prep.sizes, rng)
    team_of = [p.team for p in prep.people]
    parts = {g: split_group([prep.units[u] for u in members], prep.layout[g], prep.hi, options.teams,
                            team_of, rng) for g, members in assigned.items()}
    return _finish(prep, options.strategy, parts)


def greedy_plan(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions) -> Plan:
    """Baseline for tests and the bench: the planner's rooms per group and room sizes,
    filled by greedy_rooms (roster order, least-full room of the first choice). Ignores teams."""
    prep = _prepare(participants, topics, options)
    first = [w[0] if w else None for w in prep.groups.wants]
    parts: dict[str, list[list[int]]] = {}
    for g, members in greedy_rooms(first, prep.layout, prep.sizes):
        parts.setdefault(g, []).append(members)
    return _finish(prep, options.strategy, parts)
