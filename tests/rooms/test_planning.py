"""Worked examples for the breakout planner, its CSV form and draft-plan edits."""
from __future__ import annotations

import pytest

from rooms.plan_csv import plan_from_csv, plan_to_csv
from rooms.plan_edits import add_room, move_person, remove_room, rename_room, swap_people
from rooms.planning import (
    Person,
    Plan,
    PlanEditError,
    PlanImportError,
    PlanOptions,
    PlanOptionsError,
    Topic,
    Unplaced,
    greedy_plan,
    plan_breakouts,
)
from rooms.planning_strategies import room_budget

PE = Topic("pe", "Parent Engagement")
PL = Topic("pl", "Professional Learning")
TAE = Topic("tae", "Technology Access and Equity")
MATH = Topic("math", "Best Practices in Math", "content_area")
TOPICS = [PE, PL, TAE, MATH]


def people(*interests: tuple[str, ...], **kw: object) -> list[Person]:
    return [Person(f"p{i}", interests=chosen, name=f"Person {i}", **kw)  # type: ignore[arg-type]
            for i, chosen in enumerate(interests)]


def rooms_by_name(plan: Plan) -> dict[str, list[object]]:
    return {room.name: sorted(map(str, room.members)) for room in plan.rooms}


# Options and room budget

@pytest.mark.parametrize(("kwargs", "says"), [
    ({"strategy": "alphabet", "room_count": 2}, "unknown strategy"),
    ({"teams": "mixed", "room_count": 2}, "unknown teams mode"),
    ({"strategy": "random"}, "random rooms need room_count or min_size/max_size"),
    ({"room_count": 0}, "room_count must be at least 1"),
    ({"min_size": 6, "max_size": 4}, "exceeds max_size"),
    ({"room_count": 2, "exclude_roles": ["moderator", "wizard"]}, "unknown role 'wizard' to leave out; use any of"),
    ({"room_count": 2, "exclude_roles": "moderator"}, "a list of convening roles"),
])
def test_bad_options_are_refused(kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(PlanOptionsError, match=says):
        PlanOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("n", "count", "lo", "hi", "expected"), [
    (100, 10, None, None, (10, 1, None)),  # room_count alone
    (5, 10, None, None, (5, 1, None)),  # never more rooms than people
    (100, None, None, 8, (13, 1, 8)),  # max alone: fewest rooms that fit
    (100, None, 6, None, (16, 6, None)),  # min alone: most rooms that fill
    (100, None, 4, 8, (17, 4, 8)),  # both: aim at the middle of the range
    (100, 30, 4, 8, (25, 4, 8)),  # room_count clamped into what the bounds allow
    (100, 5, 4, 8, (13, 4, 8)),
    (10, None, 4, 5, (2, 4, 5)),
    (7, None, 4, 5, (2, 3, 5)),  # 7 people cannot make rooms of 4-5: max wins, min relaxes
    (2, None, 3, None, (1, 2, None)),
    (0, 3, None, None, (0, 0, None)),
])
def test_room_budget(n: int, count: int | None, lo: int | None, hi: int | None,
                     expected: tuple[int, int, int | None]) -> None:
    assert room_budget(n, count, lo, hi) == expected


# Topic strategy

def test_moderators_presenters_and_organizers_are_left_out_with_a_reason() -> None:
    roster = [Person("a", interests=("pe",)), Person("m", convening_role="moderator"),
              Person("s", convening_role="presenter"), Person("o", convening_role="organizer")]
    plan = plan_breakouts(roster, TOPICS, PlanOptions(room_count=1))
    assert [room.members for room in plan.rooms] == [["a"]]
    assert plan.unplaced == [Unplaced("m", "excluded role: moderator"), Unplaced("s", "excluded role: presenter"),
                             Unplaced("o", "excluded role: organizer")]
    custom = plan_breakouts(roster, TOPICS, PlanOptions(room_count=1, exclude_roles=["organizer"]))  # type: ignore[arg-type]
    assert sorted(custom.rooms[0].members) == ["a", "m", "s"]
    assert custom.unplaced == [Unplaced("o", "excluded role: organizer")]
    everyone = plan_breakouts(roster, TOPICS, PlanOptions(room_count=1, exclude_roles=frozenset()))
    assert sorted(everyone.rooms[0].members) == ["a", "m", "o", "s"] and everyone.unplaced == []


def test_rooms_are_named_after_their_topic_and_numbered_when_a_topic_needs_several() -> None:
    roster = people(*[("pe",)] * 6, *[("pl",)] * 3)
    plan = plan_breakouts(roster, TOPICS, PlanOptions(max_size=3))
    assert [(r.name, r.topic_id, len(r.members)) for r in plan.rooms] == [
        ("Parent Engagement · 1", "pe", 3), ("Parent Engagement · 2", "pe", 3), ("Professional Learning", "pl", 3)]
    assert len({r.key for r in plan.rooms}) == 3
    assert plan.stats.first_choice_share == 1.0


def test_a_topic_too_small_for_a_room_sends_its_people_to_their_next_choice() -> None:
    roster = people(*[("pe",)] * 4, ("math", "pe"), ("math", "pl"), *[("pl",)] * 4)
    plan = plan_breakouts(roster, TOPICS, PlanOptions(min_size=3, max_size=6))
    assert rooms_by_name(plan) == {"Parent Engagement": ["p0", "p1", "p2", "p3", "p4"],
                                   "Professional Learning": ["p5", "p6", "p7", "p8", "p9"]}
    assert (plan.stats.first_choice_share, plan.stats.any_interest_share) == (0.8, 1.0)


def test_when_topics_outnumber_rooms_the_least_wanted_lose_theirs() -> None:
    roster = people(*[("pe", "tae")] * 3, *[("pl",)] * 3, ("tae", "pl"), ("math", "pe"))
    plan = plan_breakouts(roster, TOPICS, PlanOptions(room_count=2))
    assert rooms_by_name(plan) == {"Parent Engagement": ["p0", "p1", "p2", "p7"],
                                   "Professional Learning": ["p3", "p4", "p5", "p6"]}


def test_the_planner_shifts_flexible_people_where_greedy_strands_someone() -> None:
    roster = people(("pe", "pl"), ("pe", "pl"), ("pe",), ("pl",))
    options = PlanOptions(max_size=2)
    greedy, planned = greedy_plan(roster, TOPICS, options), plan_breakouts(roster, TOPICS, options)
    # Greedy: p0, p1 fill Parent Engagement, so p2 lands in the only other room.
    assert rooms_by_name(greedy) == {"Parent Engagement": ["p0", "p1"], "Professional Learning": ["p2", "p3"]}
    assert greedy.stats.any_interest_share == 0.75
    assert "p2" in rooms_by_name(planned)["Parent Engagement"]
    for seed in range(10):  # whoever is seated first, the inflexible p2 still gets their topic
        assert plan_breakouts(roster, TOPICS, PlanOptions(max_size=2, seed=seed)).stats.any_interest_share == 1.0


def test_rooms_stay_even_even_when_one_topic_is_everyones_favourite() -> None:
    """The documented trade-off: 7 want only Parent Engagement, 3 only Professional Learning."""
    roster = people(*[("pe",)] * 7, *[("pl",)] * 3)
    plan = plan_breakouts(roster, TOPICS, PlanOptions(room_count=2))
    assert sorted(len(r.members) for r in plan.rooms) == [5, 5]
    assert plan.stats.any_interest_share == 0.8  # the most possible in two rooms of five
    assert greedy_plan(roster, TOPICS, PlanOptions(room_count=2)).stats.any_interest_share == 0.8


def test_nobody_with_interests_gives_plain_numbered_rooms() -> None:
    plan = plan_breakouts(people((), (), (), ()), TOPICS, PlanOptions(room_count=2))
    assert [(r.name, r.topic_id, len(r.members)) for r in plan.rooms] == [("Room 1", None, 2), ("Room 2", None, 2)]
    assert plan.stats.first_choice_share is None


def test_unknown_topic_ids_in_interests_are_ignored() -> None:
    plan = plan_breakouts(people(("nope", "pl")), TOPICS, PlanOptions(room_count=1))
    assert plan.rooms[0].topic_id == "pl" and plan.stats.first_choice_share == 1.0


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    roster = people(*[("pe", "pl")] * 40)
    first, again = (plan_breakouts(roster, TOPICS, PlanOptions(room_count=5, seed=7)) for _ in range(2))
    other = plan_breakouts(roster, TOPICS, PlanOptions(room_count=5, seed=8))
    assert first == again
    assert first.rooms != other.rooms


# Other strategies

def test_role_strategy_uses_the_roundtable_groups() -> None:
    """A roundtable whose role topics are Administrators, Coaches and Technicians gets exactly
    those rooms (no "Teachers"); teachers and support staff fit none: placed, and named."""
    roles = ["principal", "district_leader", "administrator", "coach", "coach", "technician",
             "teacher", "teacher", "support_staff"]
    roster = [Person(f"p{i}", job_role=role) for i, role in enumerate(roles)]
    topics = [Topic("r-admin", "Administrators", "role"), Topic("r-coach", "Coaches", "role"),
              Topic("r-tech", "Technicians", "role")]
    plan = plan_breakouts(roster, topics, PlanOptions(strategy="role"))  # no count: one room per role
    rooms = rooms_by_name(plan)
    assert set(rooms) == {"Administrators", "Coaches", "Technicians"}
    assert {"p0", "p1", "p2"} <= set(rooms["Administrators"]) and {"p3", "p4"} <= set(rooms["Coaches"])
    assert "p5" in rooms["Technicians"]
    assert plan.fits_none == ("p6", "p7", "p8") and plan.stats.fits_none == 3
    assert sorted(m for ms in rooms.values() for m in ms) == sorted(p.id for p in roster)
    assert {r.name: r.topic_id for r in plan.rooms} == {"Administrators": "r-admin", "Coaches": "r-coach",
                                                        "Technicians": "r-tech"}


def test_even_rooms_come_before_a_group_of_its_own() -> None:
    """Nine people in five rooms are rooms of two, two, two, two and one: of the three
    administrators, one sits with the technician or the support staff member."""
    roles = ["principal", "district_leader", "administrator", "coach", "coach", "technician",
             "teacher", "teacher", "support_staff"]
    roster = [Person(f"p{i}", job_role=role) for i, role in enumerate(roles)]
    plan = plan_breakouts(roster, [], PlanOptions(strategy="role", room_count=5))
    rooms = rooms_by_name(plan)
    assert sorted(len(m) for m in rooms.values()) == [1, 2, 2, 2, 2]
    assert (rooms["Coaches"], rooms["Teachers"]) == (["p3", "p4"], ["p6", "p7"])
    assert len(rooms["Administrators"]) == 2 and set(rooms["Administrators"]) < {"p0", "p1", "p2"}
    assert plan.stats.any_interest_share == 8 / 9


def test_role_groups_too_small_for_min_size_fill_other_rooms() -> None:
    roster = [Person(f"c{i}", job_role="coach") for i in range(4)] + [Person("t", job_role="technician")]
    plan = plan_breakouts(roster, [], PlanOptions(strategy="role", min_size=2, max_size=5))
    assert rooms_by_name(plan) == {"Coaches": ["c0", "c1", "c2", "c3", "t"]}
    assert plan.stats.any_interest_share == 0.8


def test_region_strategy_names_rooms_after_regions() -> None:
    roster = [Person(f"n{i}", region="North Coast") for i in range(4)] + [
        Person(f"s{i}", region="Southern Valley") for i in range(2)]
    plan = plan_breakouts(roster, [], PlanOptions(strategy="region", max_size=2))
    assert sorted(rooms_by_name(plan)) == ["North Coast · 1", "North Coast · 2", "Southern Valley"]


def test_random_strategy_numbers_its_rooms() -> None:
    plan = plan_breakouts(people(*[()] * 7), [], PlanOptions(strategy="random", room_count=3))
    assert [(r.name, len(r.members)) for r in plan.rooms] == [("Room 1", 3), ("Room 2", 2), ("Room 3", 2)]


def test_together_splits_a_team_larger_than_max_size_into_the_fewest_parts() -> None:
    roster = [Person(f"p{i}", team="slt") for i in range(5)]
    plan = plan_breakouts(roster, [], PlanOptions(strategy="random", max_size=4, teams="together"))
    assert sorted(len(r.members) for r in plan.rooms) == [2, 3]


def test_together_opens_a_room_rather_than_break_a_team_or_max_size() -> None:
    # Teams of 3, 3 and 2 with max 4: eight people fit two rooms only by splitting a team.
    roster = [Person(f"{team}{i}", team=team) for team, size in (("a", 3), ("b", 3), ("c", 2)) for i in range(size)]
    plan = plan_breakouts(roster, [], PlanOptions(strategy="random", max_size=4, teams="together"))
    assert sorted("".join(sorted({m[0] for m in r.members})) for r in plan.rooms) == ["a", "b", "c"]


def test_spread_puts_team_members_in_different_rooms() -> None:
    roster = [Person(f"a{i}", team="a") for i in range(3)] + [Person(f"b{i}", team="b") for i in range(3)]
    for seed in range(5):
        plan = plan_breakouts(roster, [], PlanOptions(strategy="random", room_count=3, teams="spread", seed=seed))
        assert all(sorted(m[0] for m in r.members) == ["a", "b"] for r in plan.rooms)


# CSV

def sample_plan() -> tuple[list[Person], Plan]:
    roster = people(("pe",), ("pe",), ("pl",), ("pl", "pe")) + [Person("mod", convening_role="moderator")]
    return roster, plan_breakouts(roster, TOPICS, PlanOptions(room_count=2))


def test_csv_round_trip_keeps_rooms_topics_and_members() -> None:
    roster, plan = sample_plan()
    plan = add_room(plan, "Overflow, quiet")
    text = plan_to_csv(plan, roster)
    assert text.splitlines()[:2] == ["room,topic,participant id,participant name", "Parent Engagement,pe,p0,Person 0"]
    assert text.splitlines()[-1] == '"Overflow, quiet",,,'
    back = plan_from_csv(text, roster, TOPICS)
    assert [(r.name, r.topic_id, r.members) for r in back.rooms] == [
        (r.name, r.topic_id, r.members) for r in plan.rooms]
    assert back.unplaced == [Unplaced("mod", "not in imported plan")]
    assert back.stats.any_interest_share == plan.stats.any_interest_share


def test_csv_accepts_topic_names_and_stray_blank_lines() -> None:
    roster, _ = sample_plan()
    text = "Room,Topic,Participant ID,Participant name\n\nA,parent engagement,p0,\nA,pe,p1,x\n"
    plan = plan_from_csv(text, roster, TOPICS)
    assert [(r.name, r.topic_id, r.members) for r in plan.rooms] == [("A", "pe", ["p0", "p1"])]


def test_csv_import_reports_every_bad_row_with_its_line() -> None:
    roster, _ = sample_plan()
    text = "\n".join(["room,topic,participant id,participant name",
                      "A,pe,p0,", "A,pl,p1,", "B,,ghost,", "B,,p0,", "C,astronomy,p2,", ",pe,p3,", "D,pe,p3"])
    with pytest.raises(PlanImportError) as caught:
        plan_from_csv(text, roster, TOPICS)
    assert caught.value.errors == [
        "line 3: room 'A' has topic 'pe' on an earlier line",
        "line 4: unknown participant id 'ghost'",
        "line 5: participant 'p0' is already in 'A' (line 2)",
        "line 6: unknown topic 'astronomy'",
        "line 7: the room name is empty",
        "line 8: expected 4 columns, got 3",
    ]


def test_csv_import_needs_the_header() -> None:
    with pytest.raises(PlanImportError, match="line 1: expected the columns"):
        plan_from_csv("room,participant\nA,p0\n", [], TOPICS)


# Editing a draft

def test_move_swap_and_their_errors() -> None:
    roster, plan = sample_plan()
    pe, pl = (r.key for r in plan.rooms)
    moved = move_person(plan, "p0", pl)
    assert rooms_by_name(moved)["Professional Learning"] == ["p0", "p2", "p3"]
    assert moved.stats.any_interest_share == 0.75 and plan.stats.any_interest_share == 1.0  # old plan untouched
    placed = move_person(plan, "mod", pe)
    assert "mod" in placed.rooms[0].members and placed.unplaced == []
    swapped = swap_people(plan, "p0", "p2")
    assert rooms_by_name(swapped) == {"Parent Engagement": ["p1", "p2"], "Professional Learning": ["p0", "p3"]}
    assert swap_people(plan, "p0", "p1") == plan
    with pytest.raises(PlanEditError, match="unknown person 'zed'"):
        move_person(plan, "zed", pe)
    with pytest.raises(PlanEditError, match="unknown room 'nowhere'"):
        move_person(plan, "p0", "nowhere")
    with pytest.raises(PlanEditError, match="'mod' is not in a room"):
        swap_people(plan, "p0", "mod")


def test_add_rename_remove_and_their_errors() -> None:
    _, plan = sample_plan()
    grown = add_room(plan, "Math Lab", topic_id="math")
    assert grown.rooms[-1].key == "added:1" and grown.stats.rooms == 3
    assert add_room(grown, "Another").rooms[-1].key == "added:2"
    renamed = rename_room(grown, "added:1", "  Math Studio ")
    assert renamed.rooms[-1].name == "Math Studio"
    with pytest.raises(PlanEditError, match="already named 'Parent Engagement'"):
        rename_room(grown, "added:1", "Parent Engagement")
    with pytest.raises(PlanEditError, match="needs a name"):
        add_room(plan, "  ")
    with pytest.raises(PlanEditError, match="key 'added:1' is already used"):
        add_room(grown, "X", key="added:1")
    with pytest.raises(PlanEditError, match="unknown room"):
        rename_room(plan, "nope", "X")
    pe_key = plan.rooms[0].key
    spread = remove_room(add_room(plan, "Empty"), pe_key)  # each leaver goes to the then-smallest room
    assert rooms_by_name(spread) == {"Professional Learning": ["p2", "p3"], "Empty": ["p0", "p1"]}
    spread = remove_room(add_room(add_room(plan, "Empty"), "Also empty"), pe_key)  # earliest wins ties
    assert rooms_by_name(spread) == {"Professional Learning": ["p2", "p3"], "Empty": ["p0"], "Also empty": ["p1"]}
    dropped = remove_room(plan, pe_key, members_to="unplaced")
    assert [u for u in dropped.unplaced if u.reason == "room removed"] == [
        Unplaced("p0", "room removed"), Unplaced("p1", "room removed")]
    with pytest.raises(PlanEditError, match="members_to"):
        remove_room(plan, pe_key, members_to="void")
