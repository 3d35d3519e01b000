"""Calls for help from a breakout room: queued in the live state, answered by a visit.

A request is part of the live breakouts (rooms.live.request_help), so it survives
reconnects and worker restarts, is withdrawn when its caller leaves the room, and
is resolved when a moderator arrives (rooms.actions.breakouts.visit).
"""
from __future__ import annotations

from dataclasses import replace

from rooms import live as core
from rooms.actions import NotFound
from rooms.actions.breakout_changes import Step, change
from rooms.breakouts.store import Live


def request(convening_id: int, person: int) -> Live:
    def operate(live: Live, now: float) -> Step:
        state, effects = core.request_help(live.state, person, now)
        return Step(replace(live, state=state), effects)
    return change(convening_id, operate)


def withdraw(convening_id: int, person: int) -> Live:
    def operate(live: Live, now: float) -> Step:
        if all(h.person != person for h in live.state.help_queue):
            raise NotFound("You have not asked for help.")
        state, effects = core.withdraw_help(live.state, person)
        return Step(replace(live, state=state), effects)
    return change(convening_id, operate)
