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
* Who is here: given ``connected``, only connected people are planned; the
  registered people left out for being absent are counted (Plan.absent), not
  listed (a plan of 3 people present is not buried under 69 "not connected"
  rows). Without it (planning ahead) everyone registered is planned.
* No room count and no sizes: one room per group the rule finds among the
  people planned (topic with first-choice demand, role group, region), each as
  big as its group (no even sizes: the room is the group); "random" needs a
  count or sizes.
* "role" with role topics in the session ("Coaches", "Technicians", kind role):
  the topics are the groups, a person fits a topic by their job role, and
  people who fit none are placed where rooms are short (as the emptiest rooms'
  fillers) and listed in Plan.fits_none: they are here, so they get a room
  rather than the empty plenary, and the moderator sees who they are.
"""
from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from rooms.planning_strategies import (
    Sizes,
    Unit,
    apportion,
    assign_units,
    even_sizes,
    greedy_rooms,
    open_groups,
    room_budget,
    split_group,
)

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
JOB_ROLES = ("principal", "teacher", "coach", "technician", "administrator", "support_staff", "district_leader")


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
    everyone: bool = False  # plan everyone registered (planning ahead), not only who is connected

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise PlanOptionsError(f"unknown strategy {self.strategy!r}; use one of {STRATEGIES}")
        if self.teams not in TEAM_MODES:
            raise PlanOptionsError(f"unknown teams mode {self.teams!r}; use one of {TEAM_MODES}")
        if self.strategy == "random" and self.room_count is None and self.min_size is None \
                and self.max_size is None:
            raise PlanOptionsError("random rooms need room_count or min_size/max_size")
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
    absent: int = 0  # registered people left out because they are not connected
    fits_none: int = 0  # people placed who fit none of the session's role topics


@dataclass(frozen=True)
class Plan:
    rooms: list[PlannedRoom]
    unplaced: list[Unplaced]
    stats: PlanStats
    strategy: str = "topic"
    wants: dict[PersonId, tuple[str, ...]] = field(default_factory=dict)  # keeps stats right after edits
    absent: int = 0  # registered people not planned because they were not connected
    fits_none: tuple[PersonId, ...] = ()  # placed, though they fit none of the session's role topics


def compute_stats(rooms: Sequence[PlannedRoom], unplaced: Sequence[Unplaced],
                  wants: dict[PersonId, tuple[str, ...]], absent: int = 0,
                  fits_none: Sequence[PersonId] = ()) -> PlanStats:
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
                     first / placed if anyone_chose else None, hits / placed if anyone_chose else None,
                     absent, len(fits_none))


def restated(plan: Plan, rooms: list[PlannedRoom], unplaced: list[Unplaced]) -> Plan:
    """The plan with new rooms and unplaced people, its stats recomputed (absent and fits_none kept)."""
    return replace(plan, rooms=rooms, unplaced=unplaced,
                   stats=compute_stats(rooms, unplaced, plan.wants, plan.absent, plan.fits_none))


@dataclass(frozen=True)
class _Groups:
    wants: list[tuple[str, ...]]  # per included person
    order: list[str]  # group keys, in naming order
    names: dict[str, str]
    topic_ids: dict[str, str | None]
    by_role_topics: bool = False  # the session's role topics are the groups


def _role_group(role: str) -> str:
    return ROLE_GROUPS.get(role, role)


def _group_name(group: str) -> str:
    name = GROUP_NAMES.get(group) or group.replace("_", " ").title()
    return name if group in GROUP_NAMES or name.endswith("s") else name + "s"


def _role_topic_roles(topic: Topic) -> frozenset[str]:
    """The job roles a role topic names: "Technicians" → technician, "Administrators" →
    principal, district leader, administrator (its group); nothing for a name of no role."""
    word = topic.name.strip().lower().replace(" ", "_").replace("-", "_")
    for name in (word, word.removesuffix("s")):
        if name in JOB_ROLES:
            return frozenset({name})
        group = next((g for g, label in GROUP_NAMES.items() if name in (g, label.lower().replace(" ", "_"))), None)
        if group is not None:
            return frozenset(r for r, g in ROLE_GROUPS.items() if g == group)
    return frozenset()


def _role_topic_groups(people: Sequence[Person], topics: Sequence[Topic]) -> _Groups | None:
    """Groups from the session's role topics (None when it names no roles): a person wants
    every topic naming their job role, the narrowest first ("Principals" before "Administrators")."""
    named = [(t, roles) for t in topics if t.kind == "role" and (roles := _role_topic_roles(t))]
    if not named:
        return None
    wants = [tuple(str(t.id) for t, roles in sorted(named, key=lambda tr: len(tr[1])) if p.job_role in roles)
             for p in people]
    return _Groups(wants, [str(t.id) for t, _ in named], {str(t.id): t.name for t, _ in named},
                   {str(t.id): t.id for t, _ in named}, by_role_topics=True)


def wants_of(strategy: str, person: Person, topics: Sequence[Topic]) -> tuple[str, ...]:
    """The groups (room.group) a person fits under a plan's rule, best first: how a late
    joiner finds the room that keeps the rule."""
    return _groups(strategy, [person], topics).wants[0]


def here_now(participants: Sequence[Person], connected: Collection[PersonId] | None,
             exclude_roles: Collection[str] = DEFAULT_EXCLUDED) -> tuple[list[Person], int]:
    """(the people to plan, how many registered people would be placed but are absent).
    ``connected`` None: everyone (planning ahead)."""
    if connected is None:
        return list(participants), 0
    here = [p for p in participants if p.id in connected]
    absent = sum(p.id not in connected and p.convening_role not in exclude_roles for p in participants)
    return here, absent


def _groups(strategy: str, people: Sequence[Person], topics: Sequence[Topic]) -> _Groups:
    if strategy == "role" and (by_topic := _role_topic_groups(people, topics)) is not None:
        return by_topic
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


def _rooms_asked(people: Sequence[Person], groups: _Groups, options: PlanOptions) -> int | None:
    """The moderator's room count; with no count and no sizes, one room per group of the rule."""
    if options.room_count is not None or options.min_size is not None or options.max_size is not None:
        return options.room_count
    units = _units(people, groups.wants, options.teams, None)
    return max(1, len(open_groups(units, groups.order, len(groups.order), 1)))


def _prepare(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions) -> _Prepared:
    people = [p for p in participants if p.convening_role not in options.exclude_roles]
    unplaced = [Unplaced(p.id, f"excluded role: {p.convening_role}")
                for p in participants if p.convening_role in options.exclude_roles]
    groups = _groups(options.strategy, people, topics)
    count, lo, hi = room_budget(len(people), _rooms_asked(people, groups, options), options.min_size,
                                options.max_size)
    units = _units(people, groups.wants, options.teams, hi)
    demand = open_groups(units, groups.order, count, lo)
    layout = apportion(demand, count, lo) if demand else ({"": count} if count else {})
    # Whole teams do not divide evenly: "together" keeps the bounds and balances as it can.
    # Rooms the rule counted (one per group) are the groups themselves: as big as each group is.
    by_rule = options.room_count is None and options.min_size is None and options.max_size is None
    sizes = Sizes(lo, hi) if options.teams == "together" or by_rule else even_sizes(len(people), count)
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


def _finish(prep: _Prepared, strategy: str, parts_by_group: dict[str, list[list[int]]], absent: int = 0) -> Plan:
    rooms = _rooms(prep, strategy, parts_by_group)
    wants = {p.id: w for p, w in zip(prep.people, prep.groups.wants)}
    fits_none = tuple(p.id for p, w in zip(prep.people, prep.groups.wants) if not w) \
        if prep.groups.by_role_topics else ()
    return Plan(rooms, prep.unplaced, compute_stats(rooms, prep.unplaced, wants, absent, fits_none), strategy,
                wants, absent, fits_none)


def plan_breakouts(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions,
                   connected: Collection[PersonId] | None = None) -> Plan:
    """Plan breakout rooms; see the module docstring for what is guaranteed.
    ``connected``: plan only these people (who is here now); None plans everyone."""
    participants, absent = here_now(participants, connected, options.exclude_roles)
    prep = _prepare(participants, topics, options)
    rng = random.Random(options.seed)
    if "" in prep.layout:  # nobody chose anything that got a room: one undivided group
        assigned = {"": list(range(len(prep.units)))}
    else:
        assigned = assign_units(prep.units, prep.layout, prep.sizes, rng)
    team_of = [p.team for p in prep.people]
    parts = {g: split_group([prep.units[u] for u in members], prep.layout[g], prep.hi, options.teams,
                            team_of, rng) for g, members in assigned.items()}
    return _finish(prep, options.strategy, parts, absent)


def greedy_plan(participants: Sequence[Person], topics: Sequence[Topic], options: PlanOptions) -> Plan:
    """Baseline for tests and the bench: the planner's rooms per group and room sizes,
    filled by greedy_rooms (roster order, least-full room of the first choice). Ignores teams."""
    prep = _prepare(participants, topics, options)
    first = [w[0] if w else None for w in prep.groups.wants]
    parts: dict[str, list[list[int]]] = {}
    for g, members in greedy_rooms(first, prep.layout, prep.sizes):
        parts.setdefault(g, []).append(members)
    return _finish(prep, options.strategy, parts)
