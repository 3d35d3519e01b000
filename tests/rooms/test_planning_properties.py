"""Planner guarantees, property-tested over random rosters, topics and options."""
from __future__ import annotations

import math
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.planning import (
    ROLE_GROUPS,
    STRATEGIES,
    TEAM_MODES,
    Person,
    Plan,
    PlanOptions,
    Topic,
    greedy_plan,
    plan_breakouts,
)
from rooms.planning_strategies import room_budget

CONVENING_ROLES = ["participant"] * 6 + ["moderator", "presenter", "organizer"]
Roster = tuple[list[Person], list[Topic]]


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    topics = [Topic(f"t{i}", f"Topic {i}") for i in range(draw(st.integers(1, 6)))]
    # Listing t0 and t1 several times makes interests lopsided, as real ones are.
    pool = [t.id for t in topics] + ["t0", "t0", "t0", topics[-1].id, "ghost"]
    # Few team names make big teams; few Nones leave few single people to even rooms out.
    teams = st.sampled_from([None] * draw(st.integers(0, 3)) + list("ABCDEFGH"[:draw(st.integers(1, 8))]))
    roster = []
    for i in range(draw(st.integers(0, 30))):
        roster.append(Person(
            id=f"p{i}",
            job_role=draw(st.sampled_from([*ROLE_GROUPS, "librarian"])),
            team=draw(teams),
            region=draw(st.none() | st.sampled_from(["North", "South", "East"])),
            interests=tuple(dict.fromkeys(draw(st.lists(st.sampled_from(pool), max_size=4)))),
            convening_role=draw(st.sampled_from(CONVENING_ROLES)),
        ))
    return roster, topics


@st.composite
def options(draw: st.DrawFn, strategy: str | None = None, teams: str | None = None,
            no_min: bool = False) -> PlanOptions:
    count = draw(st.none() | st.integers(1, 12))
    lo = None if no_min else draw(st.none() | st.integers(1, 6))
    hi = draw(st.none() | st.integers(1, 10))
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    if count is None and lo is None and hi is None:
        count = draw(st.integers(1, 12))
    return PlanOptions(strategy=strategy or draw(st.sampled_from(STRATEGIES)), room_count=count,
                       min_size=lo, max_size=hi, teams=teams or draw(st.sampled_from(TEAM_MODES)),
                       seed=draw(st.integers(0, 3)))


def included(roster: list[Person], opts: PlanOptions) -> list[Person]:
    return [p for p in roster if p.convening_role not in opts.exclude_roles]


def budget(roster: list[Person], opts: PlanOptions) -> tuple[int, int, int | None]:
    return room_budget(len(included(roster, opts)), opts.room_count, opts.min_size, opts.max_size)


def room_of(plan: Plan) -> dict[object, str]:
    return {m: room.key for room in plan.rooms for m in room.members}


@settings(max_examples=150, deadline=None)
@given(rosters(), options())
def test_everyone_included_is_in_exactly_one_room_and_no_one_else(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan = plan_breakouts(roster, topics, opts)
    placed = [m for room in plan.rooms for m in room.members]
    assert sorted(placed) == sorted(p.id for p in included(roster, opts))
    assert sorted(u.person for u in plan.unplaced) == sorted(
        p.id for p in roster if p.convening_role in opts.exclude_roles)
    assert plan.stats.placed == len(placed) and plan.stats.rooms == len(plan.rooms)


@settings(max_examples=250, deadline=None)
@given(rosters(), options(teams="ignore") | options(teams="spread"))
def test_room_count_and_sizes_respect_the_bounds(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan = plan_breakouts(roster, topics, opts)
    n = len(included(roster, opts))
    rooms, lo, hi = budget(roster, opts)
    fewest, most = (math.ceil(n / opts.max_size) if opts.max_size else 1), n // (opts.min_size or 1)
    assert len(plan.rooms) == rooms
    if n and fewest <= most:  # satisfiable: the bounds asked for are the bounds used
        assert (lo, hi) == (opts.min_size or 1, opts.max_size)
        if opts.room_count and fewest <= opts.room_count <= most:
            assert rooms == opts.room_count
    sizes = [len(room.members) for room in plan.rooms]
    assert all(lo <= size <= (hi or n) for size in sizes)
    # Even rooms, whatever the strategy: every room of every topic, role or region differs by at most one.
    assert not sizes or max(sizes) - min(sizes) <= 1, sorted(sizes)


@settings(max_examples=250, deadline=None)
@given(rosters(), options(teams="together"))
def test_together_keeps_each_team_in_one_room_within_max_size(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan = plan_breakouts(roster, topics, opts)
    where = room_of(plan)
    hi = budget(roster, opts)[2]
    teams = defaultdict(list)
    for p in included(roster, opts):
        if p.team:
            teams[p.team].append(where[p.id])
    for rooms in teams.values():
        parts = math.ceil(len(rooms) / hi) if hi else 1  # the documented exception: a team above max_size
        assert len(set(rooms)) == min(parts, len(rooms))
    assert hi is None or all(len(room.members) <= hi for room in plan.rooms)


@settings(max_examples=250, deadline=None)
@given(rosters(), options(teams="spread"))
def test_spread_keeps_team_members_apart_when_rooms_allow(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan = plan_breakouts(roster, topics, opts)
    where = room_of(plan)
    group_of = {room.key: room.group for room in plan.rooms}
    rooms_in_group = defaultdict(int)
    for room in plan.rooms:
        rooms_in_group[room.group] += 1
    members = defaultdict(list)  # (group, team) -> rooms of that team's members in that group
    for p in included(roster, opts):
        if p.team:
            members[(group_of[where[p.id]], p.team)].append(where[p.id])
    for (group, _), rooms in members.items():
        if len(rooms) <= rooms_in_group[group]:
            assert len(set(rooms)) == len(rooms)
    if opts.strategy == "random":
        assert all(len(set(r)) == len(r) for r in members.values() if len(r) <= len(plan.rooms))


@settings(max_examples=100, deadline=None)
@given(rosters(), options())
def test_same_input_and_seed_give_the_same_plan(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    assert plan_breakouts(roster, topics, opts) == plan_breakouts(list(roster), list(topics), opts)


def most_seatable(wants: list[tuple[str, ...]], rooms: dict[str, int], lo: int, spare: int) -> int:
    """Oracle: the most people seatable in a topic they chose, when every room holds ``lo``
    people and ``spare`` rooms (of any topic) one more — a max flow (Edmonds-Karp):
    source → person → chosen topic → sink (rooms x lo), topic → pool (its rooms) → sink (spare)."""
    graph: dict[object, dict[object, float]] = defaultdict(dict)

    def edge(a: object, b: object, cap: float) -> None:
        graph[a][b] = graph[a].get(b, 0) + cap
        graph[b].setdefault(a, 0)

    for p, chosen in enumerate(wants):
        edge("source", ("person", p), 1)
        for t in chosen:
            if t in rooms:
                edge(("person", p), ("topic", t), 1)
    for t, count in rooms.items():
        edge(("topic", t), "sink", count * lo)
        edge(("topic", t), "pool", count)
    edge("pool", "sink", spare)
    flow = 0
    while True:
        parent: dict[object, object] = {"source": None}
        queue = [("source")]
        while queue and "sink" not in parent:
            a = queue.pop(0)
            for b, cap in graph[a].items():
                if cap > 0 and b not in parent:
                    parent[b] = a
                    queue.append(b)
        if "sink" not in parent:
            return flow
        b = "sink"
        while (a := parent[b]) is not None:
            graph[a][b] -= 1
            graph[b][a] += 1
            b = a
        flow += 1


@settings(max_examples=250, deadline=None)
@given(rosters(), options(strategy="topic", teams="ignore", no_min=True))
def test_topic_planner_seats_the_most_people_possible_in_an_interest(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan = plan_breakouts(roster, topics, opts)
    people = included(roster, opts)
    rooms: dict[str, int] = defaultdict(int)
    for room in plan.rooms:
        if room.group:
            rooms[room.group] += 1
    lo, spare = divmod(len(people), len(plan.rooms)) if plan.rooms else (0, 0)
    wants = [plan.wants[p.id] for p in people]
    seated = sum(room.group in plan.wants[m] for room in plan.rooms for m in room.members)
    assert seated == most_seatable(wants, rooms, lo, spare)


@settings(max_examples=250, deadline=None)
@given(rosters(), options(strategy="topic", teams="ignore") | options(strategy="topic", teams="spread"))
def test_topic_planner_seats_at_least_as_many_in_an_interest_as_greedy(data: Roster, opts: PlanOptions) -> None:
    roster, topics = data
    plan, greedy = plan_breakouts(roster, topics, opts), greedy_plan(roster, topics, opts)
    lo = budget(roster, opts)[1]
    # Greedy ignores min_size; a plan that breaks it is no fair comparison.
    if all(len(room.members) >= lo for room in greedy.rooms):
        assert (plan.stats.any_interest_share or 0) >= (greedy.stats.any_interest_share or 0)
