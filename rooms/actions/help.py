"""Calls for help from a breakout room: queued in the live state, answered by a visit.

A request is part of the live breakouts (rooms.live.request_help), so it survives
reconnects and worker restarts, is withdrawn when its caller leaves the room, and
is resolved when a moderator arrives (rooms.actions.breakouts.visit) — or at once,
when a moderator is already in that room (visiting it, or placed there by the plan).
"""
from __future__ import annotations

from dataclasses import replace

from convenings.models import Registration
from convenings.permissions import ROLES, Action, allowed
from rooms import live as core
from rooms.actions import NotFound
from rooms.actions.breakout_changes import Step, change
from rooms.breakouts.store import Live


def moderator_in(live: Live, room: str, besides: int) -> int | None:
    """A moderator (anyone who may join any room) present in ``room``, other than ``besides``."""
    present = {p for p, r in live.visits.items() if r == room}
    present |= {int(p) for p in live.state.members(room)}
    present.discard(besides)
    if not present:
        return None
    if visiting := sorted(p for p, r in live.visits.items() if r == room and p != besides):
        return visiting[0]  # only moderators visit
    staff_roles = [role for role in ROLES if allowed(role, Action.JOIN_ANY_ROOM)]
    staff = Registration.objects.filter(convening_id=live.convening_id, participant_id__in=present,
                                        role__in=staff_roles).values_list("participant_id", flat=True)
    return min(staff, default=None)


def request(convening_id: int, person: int) -> Live:
    def operate(live: Live, now: float) -> Step:
        state, effects = core.request_help(live.state, person, now)
        room = state.room_of(person)
        if effects and room is not None and (moderator := moderator_in(live, room, person)) is not None:
            # Someone who can help is already there: answered as soon as asked.
            state, answered = core.resolve_help_on_arrival(state, moderator, room)
            effects += answered
        return Step(replace(live, state=state), effects)
    return change(convening_id, operate)


def withdraw(convening_id: int, person: int) -> Live:
    def operate(live: Live, now: float) -> Step:
        if all(h.person != person for h in live.state.help_queue):
            raise NotFound("You have not asked for help.")
        state, effects = core.withdraw_help(live.state, person)
        return Step(replace(live, state=state), effects)
    return change(convening_id, operate)
