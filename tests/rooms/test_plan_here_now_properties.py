"""Plans from who is here, rooms counted by the rule, role topics, late joiners: properties."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import live
from rooms.planning import Person, PlanOptions, Topic, plan_breakouts, wants_of
from tests.rooms.test_planning_properties import Roster, included, options, rosters

ROLE_TOPICS = [Topic("r1", "Administrators", "role"), Topic("r2", "Coaches", "role"),
               Topic("r3", "Technicians", "role"), Topic("c1", "Parent Engagement")]
FITS = {"r1": {"principal", "district_leader", "administrator"}, "r2": {"coach"}, "r3": {"technician"}}


@settings(max_examples=150, deadline=None)
@given(rosters(), options(), st.data())
def test_only_connected_people_are_planned_and_the_absent_are_counted(data: Roster, opts: PlanOptions,
                                                                      draw: st.DataObject) -> None:
    roster, topics = data
    here = {p.id for p in roster if draw.draw(st.booleans())}
    plan = plan_breakouts(roster, topics, opts, connected=here)
    placed = [m for room in plan.rooms for m in room.members]
    assert sorted(placed) == sorted(p.id for p in included(roster, opts) if p.id in here)
    assert {u.person for u in plan.unplaced} <= here  # absent people are counted, never listed
    absent = sum(p.id not in here for p in included(roster, opts))
    assert plan.absent == plan.stats.absent == absent
    everyone = plan_breakouts(roster, topics, opts)  # planning ahead: everyone registered
    assert everyone.absent == 0 and everyone.stats.placed == len(included(roster, opts))


@settings(max_examples=150, deadline=None)
@given(rosters(), st.sampled_from(["role", "region"]), st.sampled_from(["ignore", "spread"]))
def test_without_a_count_the_rule_makes_one_room_per_group(data: Roster, strategy: str, teams: str) -> None:
    roster, topics = data
    opts = PlanOptions(strategy=strategy, teams=teams)
    plan = plan_breakouts(roster, topics, opts)
    people = included(roster, opts)
    groups = {g for p in people for g in wants_of(strategy, p, topics)}
    assert len(plan.rooms) == (max(1, len(groups)) if people else 0)
    if groups:
        assert sorted(r.group for r in plan.rooms) == sorted(groups)
        # Each room is its group: everyone who fits one is in it.
        where = {m: r.group for r in plan.rooms for m in r.members}
        assert all(where[p.id] in wants_of(strategy, p, topics) for p in people if wants_of(strategy, p, topics))


@settings(max_examples=150, deadline=None)
@given(rosters(), st.none() | st.integers(1, 6))
def test_role_topics_are_the_groups_and_who_fits_none_is_said(data: Roster, count: int | None) -> None:
    roster, _ = data
    opts = PlanOptions(strategy="role", room_count=count)
    plan = plan_breakouts(roster, ROLE_TOPICS, opts)
    people = included(roster, opts)
    assert {r.group for r in plan.rooms} <= {*FITS, None}  # never a "Teachers" room
    assert sorted(plan.fits_none) == sorted(p.id for p in people if not any(p.job_role in r for r in FITS.values()))
    assert plan.stats.fits_none == len(plan.fits_none)
    placed = {m for r in plan.rooms for m in r.members}
    assert set(plan.fits_none) <= placed  # here, so in a room rather than alone in the plenary
    if count is None:
        demand = {t for t, roles in FITS.items() if any(p.job_role in roles for p in people)}
        assert {r.group for r in plan.rooms} == demand or (not demand and len(plan.rooms) == (1 if people else 0))
        where = {m: r.group for r in plan.rooms for m in r.members}
        for p in people:
            fit = [t for t, roles in FITS.items() if p.job_role in roles]
            assert not fit or where[p.id] in fit  # a technician is in Technicians


def late_state(rooms: list[tuple[str, str | None, int | None]], members: list[int],
               late_joiners: str = live.PLACE) -> live.LiveBreakouts:
    """Open rooms (key, group, capacity) holding ``members[i]`` people each (ids 0, 1, …)."""
    keys = [k for k, _, _ in rooms]
    people = [key for key, n in zip(keys, members) for _ in range(n)]
    return live.LiveBreakouts(tuple(live.LiveRoom(k, k, None, cap, "open", g) for k, g, cap in rooms),
                              dict(enumerate(people)), late_joiners=late_joiners,
                              leave_out=frozenset({"moderator"}))


room_lists = st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.none() | st.integers(1, 4),
                                st.integers(0, 5)), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(room_lists, st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=3, unique=True),
       st.sampled_from(["participant", "moderator"]))
def test_a_late_joiner_goes_to_the_smallest_room_of_their_best_group_else_the_smallest(
        specs: list, wants: list[str], role: str) -> None:
    rooms = [(f"k{i}", g, cap) for i, (g, cap, _) in enumerate(specs)]
    members = [min(n, cap) if cap else n for _, cap, n in specs]
    state = late_state(rooms, members)
    late = 10_000
    new, effects = live.place_late(state, late, wants, 1.0, role)
    counts = dict(zip([k for k, _, _ in rooms], members))
    free = [(k, g) for (k, g, cap), n in zip(rooms, members) if cap is None or n < cap]
    if role == "moderator" or not free:
        assert new == state and effects == []  # left out, or every room full: waits in the plenary
        return
    chosen = new.room_of(late)
    best = next((g for g in wants if any(fg == g for _, fg in free)), None)
    candidates = [k for k, g in free if best is None or g == best]
    assert chosen in candidates and counts[chosen] == min(counts[k] for k in candidates)
    assert [e.kind for e in effects] == ["moved"] and new.history[-1].reason == "joined"
    assert Counter(new.assignments.values())[chosen] == counts[chosen] + 1
    # A second tab changes nothing; nor does the moderator's choice of waiting in the plenary.
    assert live.place_late(new, late, wants, 2.0, role) == (new, [])
    waiting = late_state(rooms, members, live.PLENARY_WAIT)
    assert live.place_late(waiting, late, wants, 1.0, role) == (waiting, [])


def test_wants_of_a_technician_at_a_role_roundtable() -> None:
    assert wants_of("role", Person(1, job_role="technician"), ROLE_TOPICS) == ("r3",)
    assert wants_of("role", Person(1, job_role="principal"), ROLE_TOPICS) == ("r1",)
    assert wants_of("role", Person(1, job_role="teacher"), ROLE_TOPICS) == ()


@settings(max_examples=200, deadline=None)
@given(room_lists, st.lists(st.tuples(st.integers(10_000, 10_005),
                                      st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=2, unique=True)),
                            max_size=8))
def test_late_joiners_placed_together_land_where_one_after_another_would(specs: list, arrivals: list) -> None:
    """A burst's joins are placed in one change (signaling.consumers.arrivals): the same rooms
    as one join after another, no room over its capacity, a person's second tab placed once."""
    rooms = [(f"k{i}", g, cap) for i, (g, cap, _) in enumerate(specs)]
    members = [min(n, cap) if cap else n for _, cap, n in specs]
    state = late_state(rooms, members)
    together, effects = live.place_late_all(state, [(p, wants, "participant") for p, wants in arrivals], 1.0)
    one_by_one = state
    for person, wants in arrivals:
        one_by_one, _ = live.place_late(one_by_one, person, wants, 1.0)
    assert together.assignments == one_by_one.assignments
    counts = Counter(together.assignments.values())
    assert all(cap is None or counts[key] <= cap for key, _, cap in rooms)
    assert len(effects) == len({p for p, _ in arrivals if together.room_of(p) is not None})
