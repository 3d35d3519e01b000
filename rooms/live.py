"""Live breakouts: what a move, swap, self-select, recall or close does. Pure.

Every operation takes a LiveBreakouts value and returns (new value, effects);
the old value is never changed. Effects say who must be told what, so the I/O
layer can publish them without re-deriving anything. Who may call what is for
the permissions module; here are only the rules that follow from state:
rooms must be open to enter, capacity holds in every mode (so it holds in
self-select mode, where people choose), self_select needs self-select mode,
closed rooms are empty, and each actual room change adds one history entry.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from rooms.lifecycle import CLOSED, CLOSING, DRAFT, LIVE_STATES, OPEN, transition
from rooms.planning import PersonId, Plan

ASSIGNED = "assigned"
SELF_SELECT = "self_select"
MODES = (ASSIGNED, SELF_SELECT)
PLACE, PLENARY_WAIT = "place", "plenary"  # what happens to late joiners (open_all's late_joiners)
LATE_JOINERS = (PLACE, PLENARY_WAIT)


class LiveError(ValueError):
    """An operation the current breakout state does not allow."""


class UnknownRoom(LiveError):
    pass


class RoomNotOpen(LiveError):
    pass


class RoomFull(LiveError):
    pass


class WrongMode(LiveError):
    pass


class NotInRoom(LiveError):
    pass


@dataclass(frozen=True)
class LiveRoom:
    key: str
    name: str
    topic_id: str | None = None
    capacity: int | None = None  # None = no limit
    state: str = DRAFT
    group: str | None = None  # the plan's group (topic id, role group or region): who a late joiner fits


@dataclass(frozen=True)
class HelpRequest:
    person: PersonId
    room: str
    requested_at: float


@dataclass(frozen=True)
class Change:
    person: PersonId
    from_room: str | None  # None = plenary
    to_room: str | None
    at: float
    reason: str  # opened | reopened | moved | swapped | self_selected | recalled | closed | joined


# ---- Effects: who must be told what (a tagged union; ``kind`` names each for logs and tests) ----

@dataclass(frozen=True)
class Moved:
    kind: ClassVar[str] = "moved"
    person: PersonId
    room: str  # where to


@dataclass(frozen=True)
class ReturnedToPlenary:
    kind: ClassVar[str] = "returned_to_plenary"
    person: PersonId
    room: str | None  # where from


@dataclass(frozen=True)
class RoomOpened:
    kind: ClassVar[str] = "room_opened"
    room: str


@dataclass(frozen=True)
class RoomClosing:
    kind: ClassVar[str] = "room_closing"
    room: str
    closes_at: float  # end of the grace countdown


@dataclass(frozen=True)
class RoomClosed:
    kind: ClassVar[str] = "room_closed"
    room: str


@dataclass(frozen=True)
class TimerChanged:
    kind: ClassVar[str] = "timer_changed"
    ends_at: float | None


@dataclass(frozen=True)
class ModeChanged:
    kind: ClassVar[str] = "mode_changed"
    mode: str


@dataclass(frozen=True)
class HelpRequested:
    kind: ClassVar[str] = "help_requested"
    person: PersonId
    room: str
    at: float


@dataclass(frozen=True)
class HelpWithdrawn:
    kind: ClassVar[str] = "help_withdrawn"
    person: PersonId
    room: str


@dataclass(frozen=True)
class HelpResolved:
    kind: ClassVar[str] = "help_resolved"
    person: PersonId
    room: str
    by: PersonId  # the moderator who arrived


HelpEffect = HelpRequested | HelpWithdrawn | HelpResolved
Effect = (Moved | ReturnedToPlenary | RoomOpened | RoomClosing | RoomClosed | TimerChanged | ModeChanged
          | HelpEffect)


@dataclass(frozen=True)
class LiveBreakouts:
    rooms: tuple[LiveRoom, ...]
    assignments: Mapping[PersonId, str | None]  # room key, or None for the plenary
    mode: str = ASSIGNED
    ends_at: float | None = None  # epoch seconds when breakouts are due to end
    grace_seconds: float = 60.0
    closing_ends_at: float | None = None  # end of the grace countdown, once started
    help_queue: tuple[HelpRequest, ...] = ()
    history: tuple[Change, ...] = ()
    late_joiners: str = PLACE  # place: into the room that keeps the plan's rule; plenary: wait there
    leave_out: frozenset[str] = frozenset()  # convening roles the plan left out (never placed late)

    def room(self, key: str) -> LiveRoom:
        for room in self.rooms:
            if room.key == key:
                return room
        raise UnknownRoom(f"unknown room {key!r}")

    def room_of(self, person: PersonId) -> str | None:
        return self.assignments.get(person)  # anyone unknown is in the plenary

    def members(self, key: str) -> list[PersonId]:
        return [p for p, room in self.assignments.items() if room == key]


Result = tuple[LiveBreakouts, list[Effect]]


def _relocate(state: LiveBreakouts, moves: Iterable[tuple[PersonId, str | None]], now: float,
              reason: str) -> Result:
    """Apply room changes: one history entry and one effect per actual change."""
    assignments = dict(state.assignments)
    history, queue = list(state.history), list(state.help_queue)
    effects: list[Effect] = []
    for person, to_room in moves:
        from_room = assignments.get(person)
        if from_room == to_room:
            continue
        assignments[person] = to_room
        history.append(Change(person, from_room, to_room, now, reason))
        effects.append(Moved(person, to_room) if to_room is not None else ReturnedToPlenary(person, from_room))
        # A help request belongs to the room it was made in: leaving withdraws it.
        effects += [HelpWithdrawn(person, h.room) for h in queue if h.person == person]
        queue = [h for h in queue if h.person != person]
    return replace(state, assignments=assignments, history=tuple(history), help_queue=tuple(queue)), effects


def _with_states(state: LiveBreakouts, keys: Iterable[str], event: str) -> LiveBreakouts:
    wanted = set(keys)
    rooms = tuple(replace(r, state=transition(r.state, event)) if r.key in wanted else r for r in state.rooms)
    return replace(state, rooms=rooms)


def _settled_clock(state: LiveBreakouts) -> LiveBreakouts:
    """Drop deadlines that no longer govern any room (e.g. the last room closed by hand)."""
    live_rooms = [r.state for r in state.rooms if r.state in LIVE_STATES]
    return replace(state, ends_at=state.ends_at if live_rooms else None,
                   closing_ends_at=state.closing_ends_at if CLOSING in live_rooms else None)


def _open_room(state: LiveBreakouts, key: str) -> LiveRoom:
    room = state.room(key)
    if room.state != OPEN:
        raise RoomNotOpen(f"room {room.name!r} is {room.state}, not open")
    return room


def _check_space(state: LiveBreakouts, room: LiveRoom, adding: int = 1) -> None:
    if room.capacity is not None and len(state.members(room.key)) + adding > room.capacity:
        raise RoomFull(f"room {room.name!r} is full ({room.capacity} people)")


def _check_fits(name: str, people: int, capacity: int | None) -> None:
    if capacity is not None and people > capacity:
        raise RoomFull(f"room {name!r} has {people} people planned; capacity is {capacity}")


def open_all(plan: Plan, now: float, duration_s: float, *, mode: str = ASSIGNED,
             capacity: int | None = None, grace_seconds: float = 60.0, late_joiners: str = PLACE,
             leave_out: Iterable[str] = ()) -> Result:
    """Open every planned room. Assigned mode sends people to their planned room;
    self-select mode leaves everyone in the plenary to choose. ``late_joiners``: people
    not in the plan who arrive while rooms are open are placed (place_late) or wait in
    the plenary; ``leave_out``: convening roles never placed late (the plan's excluded)."""
    if mode not in MODES:
        raise LiveError(f"unknown mode {mode!r}; use one of {MODES}")
    if late_joiners not in LATE_JOINERS:
        raise LiveError(f"unknown late_joiners {late_joiners!r}; use one of {LATE_JOINERS}")
    if duration_s <= 0 or grace_seconds < 0 or (capacity is not None and capacity < 1):
        raise LiveError("duration and capacity must be positive, the grace period not negative")
    for r in plan.rooms if mode == ASSIGNED else ():
        _check_fits(r.name, len(r.members), capacity)
    open_state = transition(DRAFT, "open")
    rooms = tuple(LiveRoom(r.key, r.name, r.topic_id, capacity, open_state, r.group) for r in plan.rooms)
    people = [p for r in plan.rooms for p in r.members] + [u.person for u in plan.unplaced]
    start = LiveBreakouts(rooms, dict.fromkeys(people), mode, now + duration_s, grace_seconds,
                          late_joiners=late_joiners, leave_out=frozenset(leave_out))
    moves = [(p, r.key) for r in plan.rooms for p in r.members] if mode == ASSIGNED else []
    state, effects = _relocate(start, moves, now, "opened")
    opened = [RoomOpened(r.key) for r in rooms]
    return state, [*opened, TimerChanged(state.ends_at), *effects]


def reopen(state: LiveBreakouts, plan: Plan, now: float, duration_s: float, *,
           capacity: int | None = None) -> Result:
    """Open the plan's rooms again after all were closed (new rooms are added);
    rooms missing from the plan stay closed. Existing rooms keep their capacity."""
    if any(r.state in LIVE_STATES for r in state.rooms):
        raise LiveError("close the open breakout rooms before reopening")
    if duration_s <= 0:
        raise LiveError("the breakout duration must be positive")
    old = {r.key: r for r in state.rooms}
    planned = [old.get(r.key) or LiveRoom(r.key, r.name, r.topic_id, capacity) for r in plan.rooms]
    rooms = tuple(replace(room, name=r.name, topic_id=r.topic_id, group=r.group,
                          state=transition(room.state, "reopen" if room.state == CLOSED else "open"))
                  for room, r in zip(planned, plan.rooms))
    for room, r in zip(rooms, plan.rooms) if state.mode == ASSIGNED else ():
        _check_fits(r.name, len(r.members), room.capacity)
    rest = tuple(r for r in state.rooms if r.key not in {p.key for p in plan.rooms})
    start = replace(state, rooms=rooms + rest, ends_at=now + duration_s, closing_ends_at=None)
    moves = [(p, r.key) for r in plan.rooms for p in r.members] if state.mode == ASSIGNED else []
    new, effects = _relocate(start, moves, now, "reopened")
    opened = [RoomOpened(r.key) for r in rooms]
    return new, [*opened, TimerChanged(new.ends_at), *effects]


def move(state: LiveBreakouts, person: PersonId, to_room: str, now: float, reason: str = "moved") -> Result:
    """Send someone (from the plenary or another room) into an open room with space."""
    room = _open_room(state, to_room)
    if state.room_of(person) == to_room:
        return state, []
    _check_space(state, room)
    return _relocate(state, [(person, to_room)], now, reason)


def is_late_joiner(state: LiveBreakouts, person: PersonId, role: str) -> bool:
    """Someone the open rooms never placed (not in the plan, not yet placed late), whom the
    moderator wants placed on arrival: rooms assigned, open, and their role not left out."""
    return (person not in state.assignments and state.mode == ASSIGNED and state.late_joiners == PLACE
            and role not in state.leave_out and any(r.state == OPEN for r in state.rooms))


def late_room(state: LiveBreakouts, wants: Sequence[str]) -> str | None:
    """The room a late joiner goes to: the smallest open room with space of their best
    group (topic, role or region, in ``wants`` order), else the smallest open room with
    space; None when every open room is full. Ties go to the plan's order."""
    counts = Counter(room for room in state.assignments.values() if room is not None)
    free = [r for r in state.rooms if r.state == OPEN and (r.capacity is None or counts[r.key] < r.capacity)]
    for group in wants:
        fitting = [r for r in free if r.group == group]
        if fitting:
            return min(fitting, key=lambda r: counts[r.key]).key
    return min(free, key=lambda r: counts[r.key]).key if free else None


def place_late(state: LiveBreakouts, person: PersonId, wants: Sequence[str], now: float,
               role: str = "participant", reason: str = "joined") -> Result:
    """A late joiner arrives: into the room that keeps the plan's rule (late_room). Nothing
    changes for anyone else, for someone already placed (a second tab), or when the
    moderator chose that late joiners wait in the plenary. ``reason``: joined (arrived
    while rooms were open) or opened (here before the rooms opened, after the plan)."""
    if not is_late_joiner(state, person, role):
        return state, []
    room = late_room(state, wants)
    if room is None:
        return state, []
    return _relocate(state, [(person, room)], now, reason)


def place_late_all(state: LiveBreakouts, arrivals: Sequence[tuple[PersonId, Sequence[str], str]], now: float,
                   reason: str = "joined") -> Result:
    """Several late joiners (person, wants, role) at once, in arrival order, each as
    ``place_late``: each one's room is chosen after the ones before were placed, so a
    burst fills the smallest rooms first exactly as one arrival after another would."""
    effects: list[Effect] = []
    for person, wants, role in arrivals:
        state, placed = place_late(state, person, wants, now, role, reason)
        effects += placed
    return state, effects


def swap(state: LiveBreakouts, a: PersonId, b: PersonId, now: float) -> Result:
    """Exchange the rooms of two people who are in different open rooms."""
    room_a, room_b = state.room_of(a), state.room_of(b)
    if room_a is None or room_b is None:
        raise NotInRoom(f"{a if room_a is None else b!r} is in the plenary, not a room; use move")
    if room_a == room_b:
        return state, []
    _open_room(state, room_a)
    _open_room(state, room_b)
    return _relocate(state, [(a, room_b), (b, room_a)], now, "swapped")


def self_select(state: LiveBreakouts, person: PersonId, room: str, now: float) -> Result:
    if state.mode != SELF_SELECT:
        raise WrongMode("rooms are assigned; self-selection is not on")
    return move(state, person, room, now, reason="self_selected")


def recall(state: LiveBreakouts, person: PersonId, now: float) -> Result:
    """Bring one person back to the plenary (no-op if already there)."""
    return _relocate(state, [(person, None)], now, "recalled")


def set_mode(state: LiveBreakouts, mode: str) -> Result:
    if mode not in MODES:
        raise LiveError(f"unknown mode {mode!r}; use one of {MODES}")
    if mode == state.mode:
        return state, []
    return replace(state, mode=mode), [ModeChanged(mode)]


def set_timer(state: LiveBreakouts, ends_at: float, now: float) -> Result:
    """Move the end of breakouts. A future end during the grace countdown
    cancels the countdown: the organizer gave people more time."""
    if not any(r.state in LIVE_STATES for r in state.rooms):
        raise RoomNotOpen("no breakout room is open")
    closing = [r.key for r in state.rooms if r.state == CLOSING]
    new = replace(state, ends_at=ends_at)
    effects = []
    if closing and ends_at > now:
        new = replace(_with_states(new, closing, "resume"), closing_ends_at=None)
        effects = [RoomOpened(key) for key in closing]
    return new, [*effects, TimerChanged(ends_at)]


def extend(state: LiveBreakouts, seconds: float, now: float) -> Result:
    if seconds <= 0:
        raise LiveError("extend by a positive number of seconds")
    return set_timer(state, max(state.ends_at or now, now) + seconds, now)


def shorten(state: LiveBreakouts, seconds: float, now: float) -> Result:
    """Bring the end closer, never into the past."""
    if seconds <= 0:
        raise LiveError("shorten by a positive number of seconds")
    return set_timer(state, max((state.ends_at or now) - seconds, now), now)


def start_closing(state: LiveBreakouts, now: float) -> Result:
    """Begin the grace countdown in every open room."""
    keys = [r.key for r in state.rooms if r.state == OPEN]
    if not keys:
        raise RoomNotOpen("no breakout room is open")
    deadline = now + state.grace_seconds
    new = replace(_with_states(state, keys, "start_closing"), closing_ends_at=deadline)
    return new, [RoomClosing(key, deadline) for key in keys]


def close_room(state: LiveBreakouts, room: str, now: float) -> Result:
    """Close one room now; its members return to the plenary."""
    transition(state.room(room).state, "close")  # fail before changing anything
    new, effects = _relocate(state, [(p, None) for p in state.members(room)], now, "closed")
    return _settled_clock(_with_states(new, [room], "close")), [*effects, RoomClosed(room)]


def close_all(state: LiveBreakouts, now: float) -> Result:
    """Close every open or closing room; everyone returns to the plenary."""
    keys = [r.key for r in state.rooms if r.state in LIVE_STATES]
    leaving = [p for p, room in state.assignments.items() if room in keys]
    new, effects = _relocate(state, [(p, None) for p in leaving], now, "closed")
    new = _settled_clock(_with_states(new, keys, "close"))
    return new, [*effects, *(RoomClosed(key) for key in keys)]


def advance_clock(state: LiveBreakouts, now: float) -> Result:
    """What the passing of time does: the end starts the countdown; its end closes."""
    if state.closing_ends_at is not None and now >= state.closing_ends_at:
        return close_all(state, now)
    if state.ends_at is not None and now >= state.ends_at and any(r.state == OPEN for r in state.rooms):
        return start_closing(state, now)
    return state, []


def request_help(state: LiveBreakouts, person: PersonId, now: float) -> Result:
    """Queue a call for a moderator; asking again while queued changes nothing."""
    room = state.room_of(person)
    if room is None:
        raise NotInRoom(f"{person!r} is in the plenary; help is asked from a breakout room")
    _open_room(state, room)
    if any(h.person == person and h.room == room for h in state.help_queue):
        return state, []
    queue = (*state.help_queue, HelpRequest(person, room, now))
    return replace(state, help_queue=queue), [HelpRequested(person, room, now)]


def withdraw_help(state: LiveBreakouts, person: PersonId) -> Result:
    mine = [h for h in state.help_queue if h.person == person]
    queue = tuple(h for h in state.help_queue if h.person != person)
    return replace(state, help_queue=queue), [HelpWithdrawn(person, h.room) for h in mine]


def resolve_help_on_arrival(state: LiveBreakouts, moderator: PersonId, room: str) -> Result:
    """A moderator arrived in `room`: its requests are answered. Moving the
    moderator there is the caller's business (move); capacity is not bypassed."""
    state.room(room)
    answered = [h for h in state.help_queue if h.room == room]
    queue = tuple(h for h in state.help_queue if h.room != room)
    return replace(state, help_queue=queue), [HelpResolved(h.person, room, moderator)
                                              for h in answered]
