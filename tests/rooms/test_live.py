"""Live breakouts: worked examples, then random operation sequences (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from rooms import live
from rooms.lifecycle import CLOSED, CLOSING, LIVE_STATES, OPEN, IllegalTransition
from rooms.live import (
    ASSIGNED,
    SELF_SELECT,
    Change,
    HelpRequest,
    HelpRequested,
    HelpResolved,
    HelpWithdrawn,
    LiveBreakouts,
    LiveError,
    ModeChanged,
    Moved,
    NotInRoom,
    ReturnedToPlenary,
    RoomClosed,
    RoomClosing,
    RoomFull,
    RoomNotOpen,
    RoomOpened,
    TimerChanged,
    UnknownRoom,
    WrongMode,
)
from rooms.planning import Plan, PlannedRoom, PlanStats, Unplaced

T0 = 1_000_000.0


def make_plan(*rooms: list[str], unplaced: tuple[str, ...] = ()) -> Plan:
    planned = [PlannedRoom(f"r{i}", f"Room {i}", None, list(members)) for i, members in enumerate(rooms)]
    stats = PlanStats(0, 0, 0, 0, 0, None, None)  # not used by the live layer
    return Plan(planned, [Unplaced(p, "excluded role: moderator") for p in unplaced], stats)


PLAN = make_plan(["ana", "ben"], ["cy", "dee"], [], unplaced=("mo",))


def opened(mode: str = ASSIGNED, capacity: int | None = None) -> LiveBreakouts:
    return live.open_all(PLAN, T0, 600, mode=mode, capacity=capacity)[0]


# Opening

def test_open_all_sends_people_to_their_planned_rooms() -> None:
    state, effects = live.open_all(PLAN, T0, 600)
    assert [(r.key, r.state) for r in state.rooms] == [("r0", OPEN), ("r1", OPEN), ("r2", OPEN)]
    assert dict(state.assignments) == {"ana": "r0", "ben": "r0", "cy": "r1", "dee": "r1", "mo": None}
    assert state.ends_at == T0 + 600 and state.grace_seconds == 60
    assert state.history[0] == Change("ana", None, "r0", T0, "opened") and len(state.history) == 4
    assert effects[:4] == [RoomOpened("r0"), RoomOpened("r1"),
                           RoomOpened("r2"), TimerChanged(T0 + 600)]
    assert effects[4:] == [Moved(p, r) for p, r in (("ana", "r0"), ("ben", "r0"), ("cy", "r1"),
                                                               ("dee", "r1"))]


def test_open_all_in_self_select_mode_leaves_everyone_in_the_plenary() -> None:
    state = opened(SELF_SELECT, capacity=1)
    assert set(state.assignments.values()) == {None} and state.history == ()


def test_open_all_refuses_a_plan_that_does_not_fit_the_capacity_or_a_bad_duration() -> None:
    with pytest.raises(RoomFull, match="'Room 0' has 2 people planned; capacity is 1"):
        live.open_all(PLAN, T0, 600, capacity=1)
    with pytest.raises(LiveError, match="duration and capacity must be positive"):
        live.open_all(PLAN, T0, 0)
    with pytest.raises(LiveError, match="unknown mode"):
        live.open_all(PLAN, T0, 60, mode="chaos")


# Moving people

def test_move_records_one_change_and_leaves_the_old_state_alone() -> None:
    state = opened()
    moved, effects = live.move(state, "ana", "r2", T0 + 5)
    assert moved.room_of("ana") == "r2" and state.room_of("ana") == "r0"
    assert moved.history[-1] == Change("ana", "r0", "r2", T0 + 5, "moved") and len(moved.history) == 5
    assert effects == [Moved("ana", "r2")]
    assert live.move(moved, "ana", "r2", T0 + 6) == (moved, [])  # already there: nothing happens
    assert live.move(state, "mo", "r2", T0)[0].members("r2") == ["mo"]


def test_move_needs_a_known_open_room_with_space() -> None:
    state = opened(capacity=2)
    with pytest.raises(UnknownRoom, match="'r9'"):
        live.move(state, "ana", "r9", T0)
    with pytest.raises(RoomFull, match="'Room 1' is full"):
        live.move(state, "ana", "r1", T0)
    closing = live.start_closing(state, T0)[0]
    with pytest.raises(RoomNotOpen, match="'Room 2' is closing"):
        live.move(closing, "ana", "r2", T0)


def test_swap_exchanges_rooms() -> None:
    state = opened()
    swapped, effects = live.swap(state, "ana", "cy", T0 + 1)
    assert (swapped.room_of("ana"), swapped.room_of("cy")) == ("r1", "r0")
    assert [c.reason for c in swapped.history[-2:]] == ["swapped", "swapped"]
    assert effects == [Moved("ana", "r1"), Moved("cy", "r0")]
    assert live.swap(state, "ana", "ben", T0) == (state, [])
    with pytest.raises(NotInRoom, match="'mo' is in the plenary"):
        live.swap(state, "ana", "mo", T0)


def test_self_select_respects_mode_state_and_capacity() -> None:
    with pytest.raises(WrongMode):
        live.self_select(opened(), "ana", "r2", T0)
    state = opened(SELF_SELECT, capacity=1)
    state, effects = live.self_select(state, "ana", "r2", T0)
    assert effects == [Moved("ana", "r2")] and state.history[-1].reason == "self_selected"
    with pytest.raises(RoomFull):
        live.self_select(state, "newcomer", "r2", T0)
    state = live.self_select(state, "newcomer", "r1", T0)[0]  # someone not in the plan may choose too
    assert state.members("r1") == ["newcomer"]
    closed = live.close_room(state, "r0", T0)[0]
    with pytest.raises(RoomNotOpen, match="closed"):
        live.self_select(closed, "ben", "r0", T0)
    switched, effects = live.set_mode(opened(), SELF_SELECT)
    assert switched.mode == SELF_SELECT and effects == [ModeChanged(SELF_SELECT)]


def test_recall_returns_one_person_to_the_plenary() -> None:
    state, effects = live.recall(opened(), "ben", T0 + 2)
    assert state.room_of("ben") is None and effects == [ReturnedToPlenary("ben", "r0")]
    assert state.history[-1] == Change("ben", "r0", None, T0 + 2, "recalled")
    assert live.recall(state, "ben", T0 + 3) == (state, [])


# Timer and closing

def test_extend_shorten_and_set_the_timer() -> None:
    state = opened()
    assert live.extend(state, 120, T0)[0].ends_at == T0 + 720
    assert live.shorten(state, 100, T0)[0].ends_at == T0 + 500
    assert live.shorten(state, 10_000, T0 + 50)[0].ends_at == T0 + 50  # never into the past
    new, effects = live.set_timer(state, T0 + 42, T0)
    assert new.ends_at == T0 + 42 and effects == [TimerChanged(T0 + 42)]
    with pytest.raises(LiveError, match="positive"):
        live.extend(state, 0, T0)
    with pytest.raises(RoomNotOpen):
        live.extend(live.close_all(state, T0)[0], 60, T0)


def test_the_clock_starts_the_grace_countdown_then_closes_everything() -> None:
    state = opened()
    assert live.advance_clock(state, T0 + 599) == (state, [])
    closing, effects = live.advance_clock(state, T0 + 600)
    assert {r.state for r in closing.rooms} == {CLOSING} and closing.closing_ends_at == T0 + 660
    assert effects[0] == RoomClosing("r0", T0 + 660)
    assert live.advance_clock(closing, T0 + 659) == (closing, [])
    closed, effects = live.advance_clock(closing, T0 + 660)
    assert {r.state for r in closed.rooms} == {CLOSED} and set(closed.assignments.values()) == {None}
    assert ReturnedToPlenary("ana", "r0") in effects and effects[-1] == RoomClosed("r2")
    assert closed.ends_at is None and [c.reason for c in closed.history[-4:]] == ["closed"] * 4


def test_extending_during_the_countdown_reopens_the_rooms() -> None:
    closing = live.start_closing(opened(), T0 + 600)[0]
    resumed, effects = live.extend(closing, 120, T0 + 610)
    assert {r.state for r in resumed.rooms} == {OPEN} and resumed.closing_ends_at is None
    assert resumed.ends_at == T0 + 730 and RoomOpened("r1") in effects
    with pytest.raises(RoomNotOpen):
        live.start_closing(closing, T0)


def test_close_room_returns_its_members_only() -> None:
    state, effects = live.close_room(opened(), "r0", T0 + 9)
    assert state.room("r0").state == CLOSED and state.members("r0") == [] and state.members("r1") == ["cy", "dee"]
    assert effects == [ReturnedToPlenary("ana", "r0"), ReturnedToPlenary("ben", "r0"),
                       RoomClosed("r0")]
    with pytest.raises(IllegalTransition, match="closed cannot close"):
        live.close_room(state, "r0", T0)


def test_reopen_after_closing_uses_the_new_plan() -> None:
    closed = live.close_all(opened(), T0 + 600)[0]
    with pytest.raises(LiveError, match="close the open breakout rooms"):
        live.reopen(opened(), PLAN, T0, 60)
    second = make_plan(["ana", "cy"], ["ben"])
    second.rooms.append(PlannedRoom("r9", "Late Room", "pe", ["dee"]))
    state, effects = live.reopen(closed, second, T0 + 700, 300)
    assert {r.key: r.state for r in state.rooms} == {"r0": OPEN, "r1": OPEN, "r9": OPEN, "r2": CLOSED}
    assert dict(state.assignments) == {"ana": "r0", "ben": "r1", "cy": "r0", "dee": "r9", "mo": None}
    assert state.ends_at == T0 + 1000 and state.history[-1] == Change("dee", None, "r9", T0 + 700, "reopened")
    assert RoomOpened("r9") in effects


# Help requests

def test_help_requests_queue_in_order_and_are_idempotent() -> None:
    state = live.request_help(opened(), "cy", T0 + 1)[0]
    state, effects = live.request_help(state, "ana", T0 + 2)
    assert effects == [HelpRequested("ana", "r0", T0 + 2)]
    assert live.request_help(state, "ana", T0 + 3) == (state, [])
    assert state.help_queue == (HelpRequest("cy", "r1", T0 + 1), HelpRequest("ana", "r0", T0 + 2))
    with pytest.raises(NotInRoom):
        live.request_help(state, "mo", T0)
    with pytest.raises(RoomNotOpen):
        live.request_help(live.start_closing(state, T0)[0], "ben", T0)


def test_help_is_withdrawn_resolved_or_dropped_when_the_asker_leaves() -> None:
    state = live.request_help(live.request_help(opened(), "cy", T0)[0], "ana", T0)[0]
    withdrawn, effects = live.withdraw_help(state, "cy")
    assert withdrawn.help_queue == (HelpRequest("ana", "r0", T0),)
    assert effects == [HelpWithdrawn("cy", "r1")]
    resolved, effects = live.resolve_help_on_arrival(state, "mo", "r0")
    assert resolved.help_queue == (HelpRequest("cy", "r1", T0),)
    assert effects == [HelpResolved("ana", "r0", "mo")]
    moved, effects = live.move(state, "ana", "r2", T0)
    assert [h.person for h in moved.help_queue] == ["cy"] and HelpWithdrawn("ana", "r0") in effects
    with pytest.raises(UnknownRoom):
        live.resolve_help_on_arrival(state, "mo", "nope")


# Random operation sequences

PEOPLE = ["ana", "ben", "cy", "dee", "eve", "fay", "gus", "newcomer"]
ROOMS = ["r0", "r1", "r2", "r3", "ghost"]
EXPECTED = (LiveError, IllegalTransition)


class Breakouts(RuleBasedStateMachine):
    """Random operations; after each, the invariants below must hold."""

    @initialize(mode=st.sampled_from([ASSIGNED, SELF_SELECT]), capacity=st.none() | st.integers(1, 4),
                layout=st.lists(st.sampled_from([0, 1, 2, 3, None]), min_size=7, max_size=7))
    def start(self, mode: str, capacity: int | None, layout: list[int | None]) -> None:
        rooms: list[list[str]] = [[], [], [], []]
        for person, room in zip(PEOPLE, layout):
            if room is not None and (capacity is None or len(rooms[room]) < capacity):
                rooms[room].append(person)
        self.plan = make_plan(*rooms)
        self.now = T0
        self.state, _ = live.open_all(self.plan, self.now, 300, mode=mode, capacity=capacity, grace_seconds=30)

    def apply(self, op: str, *args: object) -> None:
        before = self.state
        try:
            after, effects = getattr(live, op)(before, *args)
        except EXPECTED:
            return
        changed = [p for p in {*before.assignments, *after.assignments}
                   if before.room_of(p) != after.room_of(p)]
        new_entries = after.history[len(before.history):]
        assert after.history[:len(before.history)] == before.history
        assert len(new_entries) == len(changed)  # one entry per actual change, none for no-ops
        assert {(c.person, c.from_room, c.to_room) for c in new_entries} == {
            (p, before.room_of(p), after.room_of(p)) for p in changed}
        told = {(e.person, e.room if e.kind == "moved" else None) for e in effects
                if e.kind in ("moved", "returned_to_plenary")}
        assert told == {(p, after.room_of(p)) for p in changed}
        self.state = after

    @rule(seconds=st.integers(0, 200))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.apply("advance_clock", self.now)

    @rule(person=st.sampled_from(PEOPLE), room=st.sampled_from(ROOMS))
    def move(self, person: str, room: str) -> None:
        self.apply("move", person, room, self.now)

    @rule(person=st.sampled_from(PEOPLE), room=st.sampled_from(ROOMS))
    def self_select(self, person: str, room: str) -> None:
        self.apply("self_select", person, room, self.now)

    @rule(a=st.sampled_from(PEOPLE), b=st.sampled_from(PEOPLE))
    def swap(self, a: str, b: str) -> None:
        self.apply("swap", a, b, self.now)

    @rule(person=st.sampled_from(PEOPLE))
    def recall(self, person: str) -> None:
        self.apply("recall", person, self.now)

    @rule(seconds=st.integers(-5, 300), which=st.sampled_from(["extend", "shorten"]))
    def timer(self, seconds: int, which: str) -> None:
        self.apply(which, seconds, self.now)

    @rule(op=st.sampled_from(["start_closing", "close_all"]))
    def closing(self, op: str) -> None:
        self.apply(op, self.now)

    @rule(room=st.sampled_from(ROOMS))
    def close_room(self, room: str) -> None:
        self.apply("close_room", room, self.now)

    @rule()
    def reopen(self) -> None:
        self.apply("reopen", self.plan, self.now, 300)

    @rule(mode=st.sampled_from([ASSIGNED, SELF_SELECT]))
    def set_mode(self, mode: str) -> None:
        self.apply("set_mode", mode)

    @rule(person=st.sampled_from(PEOPLE), ask=st.booleans())
    def help(self, person: str, ask: bool) -> None:
        self.apply(*(("request_help", person, self.now) if ask else ("withdraw_help", person)))

    @rule(room=st.sampled_from(ROOMS))
    def moderator_arrives(self, room: str) -> None:
        self.apply("resolve_help_on_arrival", "mo", room)

    @invariant()
    def each_person_is_in_at_most_one_room_and_only_a_live_one(self) -> None:
        rosters = [self.state.members(r.key) for r in self.state.rooms]
        everyone = [p for members in rosters for p in members]
        assert len(everyone) == len(set(everyone))
        assert sorted(everyone) == sorted(p for p, room in self.state.assignments.items() if room is not None)
        for room in self.state.rooms:
            if room.state not in LIVE_STATES:
                assert self.state.members(room.key) == []  # closed rooms are empty

    @invariant()
    def capacity_holds(self) -> None:
        for room in self.state.rooms:
            assert room.capacity is None or len(self.state.members(room.key)) <= room.capacity

    @invariant()
    def help_requests_come_from_people_still_in_that_room(self) -> None:
        queue = self.state.help_queue
        assert len({(h.person, h.room) for h in queue}) == len(queue)
        assert all(self.state.room_of(h.person) == h.room for h in queue)

    @invariant()
    def the_grace_deadline_exists_exactly_while_rooms_are_closing(self) -> None:
        closing = any(r.state == CLOSING for r in self.state.rooms)
        assert (self.state.closing_ends_at is not None) == closing


Breakouts.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestBreakouts = Breakouts.TestCase
