"""Running live breakouts: open, move, swap, choose, visit, recall, time and close rooms.

Each function checks what needs the database (the session, that people are
registered), then hands a pure operation (rooms.live) to breakout_changes.change.
Errors of the pure core (rooms.live.LiveError, rooms.lifecycle.IllegalTransition)
pass through with nothing changed; the consumer turns them into error codes.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from convenings.models import Registration, Session
from rooms import live as core
from rooms.actions import NotFound, breakout_rounds
from rooms.actions.breakout_changes import Operation, Step, change, change_if_due
from rooms.actions.publish import publish, space_group
from rooms.breakouts import drafts, roster, snapshot, store
from rooms.breakouts.history import Stay
from rooms.breakouts.store import Live
from rooms.lifecycle import CLOSED, LIVE_STATES, OPEN, IllegalTransition
from rooms.planning import DEFAULT_EXCLUDED, STRATEGIES, wants_of
from signaling.protocol.plenary import Broadcast
from signaling.protocol.shapes import Person

# ---- checks ---------------------------------------------------------------------------

def _check_registered(convening_id: int, state: core.LiveBreakouts, people: tuple[int, ...]) -> None:
    """Everyone named is in these breakouts or at least registered (a late arrival)."""
    unknown = [p for p in people if p not in state.assignments]
    known = set(Registration.objects.filter(convening_id=convening_id, participant_id__in=unknown)
                .values_list("participant_id", flat=True)) if unknown else set()
    if missing := [p for p in unknown if p not in known]:
        raise NotFound(f"Participant {missing[0]} is not registered for this convening.")


def _core(operation: Callable[[core.LiveBreakouts, float], core.Result], *people: int) -> Operation:
    """An Operation from a pure rooms.live operation on the state alone (about ``people``)."""
    def operate(live: Live, now: float) -> Step:
        _check_registered(live.convening_id, live.state, people)
        state, effects = operation(live.state, now)
        return Step(replace(live, state=state), effects)
    return operate


# ---- opening --------------------------------------------------------------------------

def _rule(draft: drafts.Draft | None) -> str:
    """How the plan grouped people; an imported plan has no rule (late joiners: the smallest room)."""
    return draft.plan.strategy if draft and draft.plan.strategy in STRATEGIES else "random"


def open_rooms(convening_id: int, session_id: int, duration_s: float, mode: str = core.ASSIGNED,
               capacity: int | None = None, grace_s: float = 60.0, late_joiners: str = core.PLACE) -> Live:
    """Open every room of the session's draft plan at once. People connected now whom the
    plan does not name (they arrived after it was made) are placed as late joiners."""
    session = drafts.session_of(convening_id, session_id)
    draft = drafts.load(session.pk)
    if draft is None:
        raise NotFound("This session has no breakout plan yet: make one first.")
    topic_list = roster.topics_for(session)
    topics = {t.id: t.name for t in topic_list}
    leave_out = draft.options.exclude_roles if draft.options else DEFAULT_EXCLUDED
    planned = {p for r in draft.plan.rooms for p in r.members} | {u.person for u in draft.plan.unplaced}
    arrived = sorted(roster.connected(convening_id) - planned)
    newcomers = roster.people_for(session, arrived) if arrived else []

    def operate(live: Live, now: float) -> Step:
        if live.live_rooms():
            raise IllegalTransition(OPEN, "open")
        state, effects = core.open_all(draft.plan, now, duration_s, mode=mode, capacity=capacity,
                                       grace_seconds=grace_s, late_joiners=late_joiners, leave_out=leave_out)
        state, placed = core.place_late_all(state, [(p.id, wants_of(_rule(draft), p, topic_list), p.convening_role)
                                                    for p in newcomers], now, reason="opened")
        return Step(Live(convening_id, state, session.pk, {}, topics, live.version, live.rounds), effects + placed)

    return change(convening_id, operate)


def arrival_spaces(convening_id: int, arrivals: Sequence[tuple[int, str]]) -> list[str]:
    """Where each connecting person (participant id, role) goes: their room or the plenary,
    as now. Late joiners (not in the open rooms' plan) are first placed in the room that keeps
    the plan's rule, all in one change through the door every breakouts change takes, so
    everyone sees the new members: a burst of arrivals waiting together costs one change
    (one lock, one save, one history write), not one each."""
    live = store.load(convening_id)
    late = [(pid, role) for pid, role in arrivals if core.is_late_joiner(live.state, pid, role)]
    if late and live.session_id is not None:
        session = drafts.session_of(convening_id, live.session_id)
        rule, topics = _rule(drafts.load(session.pk)), roster.topics_for(session)
        people = {p.id: p for p in roster.people_for(session, sorted({pid for pid, _ in late}))}
        placing = [(pid, wants_of(rule, people[pid], topics), role) for pid, role in late if pid in people]

        def operate(current: Live, now: float) -> Step:  # re-checked under the lock: a second tab changes nothing
            state, effects = core.place_late_all(current.state, placing, now)
            # Only the state changed for others; the joiners learn their rooms from their welcomes.
            return Step(replace(current, state=state), effects, supersedable=True)

        if placing:
            live = change(convening_id, operate)
    return [live.where(pid) for pid, _ in arrivals]


def reopen(convening_id: int, duration_s: float, capacity: int | None = None,
           plan_anew: Callable[[Session], drafts.Draft] | None = None) -> Live:
    """Open the closed rooms again from the session's plan (``plan_anew`` reshuffles it first)."""
    current = store.load(convening_id)
    if current.session_id is None:
        raise NotFound("There are no breakouts to reopen yet.")
    if current.live_rooms():
        raise IllegalTransition(OPEN, "reopen")
    session = drafts.session_of(convening_id, current.session_id)
    draft = plan_anew(session) if plan_anew else drafts.load(session.pk)
    if draft is None:
        raise NotFound("This session has no breakout plan.")
    topics = {t.id: t.name for t in roster.topics_for(session)}

    def operate(live: Live, now: float) -> Step:
        state, effects = core.reopen(live.state, draft.plan, now, duration_s, capacity=capacity)
        return Step(replace(live, state=state, topics=topics), effects)

    return change(convening_id, operate)


# ---- people -----------------------------------------------------------------------------

def move(convening_id: int, person: int, room: str) -> Live:
    return change(convening_id, _core(lambda s, now: core.move(s, person, room, now), person))


def swap(convening_id: int, a: int, b: int) -> Live:
    return change(convening_id, _core(lambda s, now: core.swap(s, a, b, now), a, b))


def recall(convening_id: int, person: int) -> Live:
    return change(convening_id, _core(lambda s, now: core.recall(s, person, now), person))


def choose(convening_id: int, person: int, room: str) -> Live:
    return change(convening_id, _core(lambda s, now: core.self_select(s, person, room, now)))


def visit(convening_id: int, moderator: int, room: str) -> Live:
    """A moderator hops into a room (any open one, regardless of capacity) and answers its calls.
    Already there ("Join room" from the help queue while visiting): the calls are answered all the same."""
    def operate(live: Live, now: float) -> Step:
        target = live.state.room(room)
        if target.state not in LIVE_STATES:
            raise core.RoomNotOpen(f"room {target.name!r} is {target.state}, not open")
        state, effects = core.resolve_help_on_arrival(live.state, moderator, room)
        if live.where(moderator) == room:
            return Step(replace(live, state=state), effects)
        return Step(replace(live, state=state, visits={**live.visits, moderator: room}), effects,
                    [Stay(moderator, room, "visited")])

    return change(convening_id, operate)


def leave_visit(convening_id: int, moderator: int) -> Live:
    def operate(live: Live, now: float) -> Step:
        if moderator not in live.visits:
            return Step(live)
        visits = {p: r for p, r in live.visits.items() if p != moderator}
        return Step(replace(live, visits=visits), stays=[Stay(moderator, None, "returned")])

    return change(convening_id, operate)


# ---- mode, clock and closing -----------------------------------------------------------------

def _require_open(state: core.LiveBreakouts) -> None:
    if not any(r.state in LIVE_STATES for r in state.rooms):
        raise core.RoomNotOpen("no breakout room is open")


def set_mode(convening_id: int, mode: str) -> Live:
    def operation(state: core.LiveBreakouts, now: float) -> core.Result:
        _require_open(state)
        return core.set_mode(state, mode)
    return change(convening_id, _core(operation))


def timer(convening_id: int, op: str, seconds: float) -> Live:
    operations = {"set": lambda s, now: core.set_timer(s, now + seconds, now),
                  "extend": lambda s, now: core.extend(s, seconds, now),
                  "shorten": lambda s, now: core.shorten(s, seconds, now)}
    return change(convening_id, _core(operations[op]))


def close(convening_id: int, room: str | None = None, countdown: bool = False) -> Live:
    """Close one room now, every room now, or start the grace countdown in every room."""
    def operation(state: core.LiveBreakouts, now: float) -> core.Result:
        if room is not None:
            return core.close_room(state, room, now)
        if countdown:
            return core.start_closing(state, now)
        if not any(r.state in LIVE_STATES for r in state.rooms):
            raise IllegalTransition(CLOSED, "close")
        return core.close_all(state, now)
    return change(convening_id, breakout_rounds.closing_by_hand(_core(operation)))


def tick() -> int:
    """The workers' timer: advance every convening whose breakout deadline passed.
    Safe to run on many workers at once (the due row is locked, re-checked, skipped if taken)."""
    now = snapshot.moment(time.time())
    assert now is not None
    return sum(change_if_due(convening_id, breakout_rounds.advance, now) is not None
               for convening_id in store.due(now))


def broadcast_to_room(convening_id: int, room: str, text: str, by: Person) -> Broadcast:
    """A moderator's notice into one open room (the plenary's ``broadcast`` message, in that space)."""
    if room not in store.load(convening_id).live_rooms():
        raise NotFound(f"There is no open breakout room {room!r}.")
    message = Broadcast(text=text, from_=by, at=snapshot.moment(time.time()))
    publish(space_group(convening_id, room), message)
    return message
