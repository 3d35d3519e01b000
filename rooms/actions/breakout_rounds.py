"""Multi-round breakouts: define a sequence of rounds, start it, move on, stop it.

The sequence lives with the live breakouts (store.Live.rounds, one row per convening), so
every change of it goes through breakout_changes.change like any other: one lock, one
door out (relocate, history, publish). A round's rooms are new rooms with keys of their
own ("s5-v12r2-room-1"): each round's Top 5 stays with its rooms, and the share-out
lists every round's rooms ("Round 1 · …", "Round 2 · …").

Transitions: the workers' breakout clock (tick → ``advance``) closes a round's rooms when
its wrap-up countdown ends, exactly as for one round; when the pure rule
(rooms.rounds.advances) says the next round is due, the same step plans it from the people
here now and opens its rooms, so people go from one room to the next in one change.
"""
from __future__ import annotations

from dataclasses import replace

from rooms import live as core
from rooms import rounds
from rooms.actions import NotFound
from rooms.actions.breakout_changes import Operation, Step, change
from rooms.breakouts import drafts, keys, roster
from rooms.breakouts.store import Live
from rooms.lifecycle import OPEN, IllegalTransition
from rooms.live import Effect
from rooms.planning import DEFAULT_EXCLUDED, PlanError
from rooms.rounds import FINISHED, RUNNING, STOPPED, Round, RoundSequence


def define(convening_id: int, session_id: int, plan: list[tuple[str, float]], grace_s: float = 60.0,
           room_count: int | None = None) -> Live:
    """The session's rounds, not started (replaces a defined or finished sequence)."""
    session = drafts.session_of(convening_id, session_id)
    sequence = RoundSequence(session.pk, tuple(Round(s, m) for s, m in plan), grace_s, room_count)

    def operate(live: Live, now: float) -> Step:
        if live.rounds is not None and live.rounds.running and live.live_rooms():
            raise core.LiveError("a sequence of rounds is running: stop it or let it finish first")
        return Step(replace(live, rounds=sequence))

    return change(convening_id, operate)


def start(convening_id: int) -> Live:
    """Open the first round's rooms (no room may be open)."""
    def operate(live: Live, now: float) -> Step:
        if live.rounds is None:
            raise NotFound("There are no rounds to start: define them first.")
        if live.live_rooms():
            raise IllegalTransition(OPEN, "start rounds")
        fresh = replace(live.rounds, current=0, state=RUNNING, past=(), room_keys=(), repeats=0, note="",
                        run=live.version + 1, seed=live.version)
        return _next_round(replace(live, rounds=fresh), now, [], strict=True)

    return change(convening_id, operate)


def next_round(convening_id: int, countdown: bool = False) -> Live:
    """End the running round (now, or after the wrap-up countdown) and open the next."""
    def operate(live: Live, now: float) -> Step:
        sequence = live.rounds
        if sequence is None or not sequence.running:
            raise core.LiveError("no sequence of rounds is running")
        if countdown and any(r.state == OPEN for r in live.state.rooms):
            state, effects = core.start_closing(live.state, now)  # the clock opens the next round
            return Step(replace(live, state=state), effects)
        state, effects = core.close_all(live.state, now) if live.live_rooms() else (live.state, [])
        after = replace(live, state=state)
        if sequence.has_next():
            return _next_round(after, now, effects, strict=True)
        return Step(replace(after, rounds=replace(sequence, state=FINISHED)), effects)

    return change(convening_id, operate)


def stop(convening_id: int) -> Live:
    """No further rounds; the rooms open now keep running."""
    def operate(live: Live, now: float) -> Step:
        if live.rounds is None or not live.rounds.running:
            raise core.LiveError("no sequence of rounds is running")
        return Step(replace(live, rounds=replace(live.rounds, state=STOPPED)))

    return change(convening_id, operate)


# ---- the clock and closing by hand ---------------------------------------------------------

def advance(live: Live, now: float) -> Step:
    """The breakout clock's step (breakouts.tick): countdowns start and rooms close as for one
    round; when that closes a round's rooms and a round is left, the next round opens."""
    state, effects = core.advance_clock(live.state, now)
    after = replace(live, state=state)
    if rounds.advances(live.rounds, bool(live.live_rooms()), bool(after.live_rooms()), by_clock=True):
        return _next_round(after, now, effects)
    if after.rounds is not None:
        after = replace(after, rounds=rounds.finished(after.rounds, bool(after.live_rooms())))
    return Step(after, effects)


def closing_by_hand(operate: Operation) -> Operation:
    """A moderator closing rooms: once no room is open, no further round opens ("End now"
    ends the sequence; "Close all rooms" with its countdown lets the clock open the next)."""
    def closing(live: Live, now: float) -> Step:
        step = operate(live, now)
        sequence = step.live.rounds
        if sequence is None or not sequence.running or step.live.live_rooms():
            return step
        return replace(step, live=replace(step.live, rounds=replace(sequence, state=STOPPED if sequence.has_next()
                                                                     else FINISHED)))
    return closing


# ---- opening a round ------------------------------------------------------------------------

def _next_round(live: Live, now: float, effects: list[Effect], strict: bool = False) -> Step:
    """Plan the next round from the people connected now and open its rooms. ``strict``
    (a moderator asked): errors reach them; the clock instead stops the sequence with a note,
    so a round that cannot open never blocks the rooms from closing."""
    sequence = live.rounds
    assert sequence is not None
    number = sequence.current + 1
    try:
        state, opened, planned, room_keys, topics = _round_rooms(live, sequence, number, now)
    except (PlanError, core.LiveError, NotFound) as exc:
        if strict:
            raise
        note = f"Round {number} could not open: {exc}"
        return Step(replace(live, rounds=replace(sequence, state=STOPPED, note=note)), effects)
    after = replace(live, state=state, session_id=sequence.session_id, topics=topics,
                    rounds=rounds.started(sequence, planned, room_keys))
    return Step(after, [*effects, *opened])


def _round_rooms(live: Live, sequence: RoundSequence, number: int, now: float
                 ) -> tuple[core.LiveBreakouts, list[Effect], rounds.RoundPlan, list[str], dict[str, str]]:
    session = drafts.session_of(live.convening_id, sequence.session_id)
    topic_list = roster.topics_for(session)
    this = sequence.rounds[number - 1]
    planned = rounds.plan_round(number, this.strategy, roster.people_for(session), topic_list, sequence.past,
                                room_count=sequence.room_count, seed=sequence.seed, run=sequence.run,
                                exclude_roles=DEFAULT_EXCLUDED, connected=roster.connected(live.convening_id))
    if not planned.plan.rooms:
        raise core.LiveError(f"nobody is here to place in round {number}'s rooms")
    plan = keys.with_space_keys(planned.plan, session.pk)
    planned = replace(planned, plan=plan)
    duration = this.minutes * 60
    if number == 1:  # a fresh start, as breakouts.open_rooms
        state, opened = core.open_all(plan, now, duration, grace_seconds=sequence.grace_seconds,
                                      leave_out=DEFAULT_EXCLUDED)
    else:  # the earlier rounds' rooms stay (closed): their Top 5 stays theirs
        state, opened = core.reopen(replace(live.state, grace_seconds=sequence.grace_seconds), plan, now, duration)
    return state, opened, planned, [r.key for r in plan.rooms], {t.id: t.name for t in topic_list}
