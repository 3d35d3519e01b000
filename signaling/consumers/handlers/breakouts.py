"""breakout.*: plan, open and run breakout rooms (moderators), choose one (self-select).

Each handler: the role check (``requires``), then one action in rooms.actions;
what people are told is published by the action.
"""
from __future__ import annotations

from collections.abc import Callable

from convenings.models import Registration
from convenings.permissions import Action
from rooms.actions import NotFound, breakout_plans, breakouts, broadcasts
from rooms.breakouts import store
from rooms.breakouts.drafts import PlanEdit, StalePlan
from rooms.breakouts.store import Live
from rooms.models import PLENARY
from rooms.planning import PlanOptions
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.consumers.welcome import breakout_state
from signaling.protocol import Error, ErrorCode, ProtocolError
from signaling.protocol.breakout_controls import (
    BreakoutChoose,
    BreakoutClose,
    BreakoutMode,
    BreakoutMove,
    BreakoutOpen,
    BreakoutRecall,
    BreakoutReopen,
    BreakoutReturn,
    BreakoutSwap,
    BreakoutTimer,
    BreakoutVisit,
)
from signaling.protocol.breakout_rooms import BreakoutBroadcast
from signaling.protocol.breakouts import BreakoutPlan, BreakoutPlanEdit, BreakoutPlanGet, BreakoutResync

# ---- planning -----------------------------------------------------------------------------


@handles(BreakoutPlan, requires=Action.EDIT_PLAN, what="plan breakout rooms")
async def plan(conn: Connection, message: BreakoutPlan) -> None:
    options = PlanOptions(strategy=message.strategy, room_count=message.room_count, min_size=message.min_size,
                          max_size=message.max_size, teams=message.teams,
                          exclude_roles=frozenset(message.exclude_roles), seed=message.seed,
                          everyone=message.everyone)
    await db(breakout_plans.make)(conn.convening_id, message.session_id, options, conn.person)


@handles(BreakoutPlanGet, requires=Action.EDIT_PLAN, what="see breakout plans")
async def plan_get(conn: Connection, message: BreakoutPlanGet) -> None:
    await conn.reply(await db(breakout_plans.show)(conn.convening_id, message.session_id))


@handles(BreakoutPlanEdit, requires=Action.EDIT_PLAN, what="edit breakout plans")
async def plan_edit(conn: Connection, message: BreakoutPlanEdit) -> None:
    change = PlanEdit(op=message.op, person=message.participant_id, other=message.other_participant_id,
                      room=message.room, name=message.name, topic_id=message.topic_id, members_to=message.members_to)
    try:
        await db(breakout_plans.edit)(conn.convening_id, message.session_id, message.version, change, conn.person)
    except StalePlan as stale:
        # Nothing changed: say why, then show the plan the edit should have been made on.
        await conn.reply(Error(code=ErrorCode.STALE_PLAN, message=str(stale), ref=message.id))
        await conn.reply(await db(breakout_plans.show)(conn.convening_id, message.session_id))


# ---- opening and closing -------------------------------------------------------------------

@handles(BreakoutOpen, requires=Action.OPEN_BREAKOUTS, what="open breakout rooms")
async def open_rooms(conn: Connection, message: BreakoutOpen) -> None:
    await db(breakouts.open_rooms)(conn.convening_id, message.session_id, message.duration_s, message.mode,
                                   message.capacity, message.grace_s, message.late_joiners)


@handles(BreakoutReopen, requires=Action.OPEN_BREAKOUTS, what="reopen breakout rooms")
async def reopen(conn: Connection, message: BreakoutReopen) -> None:
    anew = (lambda session: breakout_plans.reshuffle(session, conn.person)) if message.reshuffle else None
    await db(breakouts.reopen)(conn.convening_id, message.duration_s, message.capacity, anew)


@handles(BreakoutMode, requires=Action.OPEN_BREAKOUTS, what="change how people get their rooms")
async def mode(conn: Connection, message: BreakoutMode) -> None:
    await db(breakouts.set_mode)(conn.convening_id, message.mode)


@handles(BreakoutTimer, requires=Action.SET_TIMER, what="change the breakout timer")
async def timer(conn: Connection, message: BreakoutTimer) -> None:
    await db(breakouts.timer)(conn.convening_id, message.op, message.seconds)


@handles(BreakoutClose, requires=Action.CLOSE_BREAKOUTS, what="close breakout rooms")
async def close(conn: Connection, message: BreakoutClose) -> None:
    await db(breakouts.close)(conn.convening_id, message.room, message.countdown)


# ---- people ----------------------------------------------------------------------------------

@handles(BreakoutMove, requires=Action.MOVE_PARTICIPANT, what="move people between rooms")
async def move(conn: Connection, message: BreakoutMove) -> None:
    await db(breakouts.move)(conn.convening_id, message.participant_id, message.room)


@handles(BreakoutSwap, requires=Action.MOVE_PARTICIPANT, what="move people between rooms")
async def swap(conn: Connection, message: BreakoutSwap) -> None:
    await db(breakouts.swap)(conn.convening_id, message.participant_id, message.other_participant_id)


def not_in_a_room(live: Live, person: int) -> str | None:
    """Why recalling ``person`` would do nothing (they are in the plenary), or None."""
    return f"Participant {person} is in the plenary, not a breakout room." if live.where(person) == PLENARY else None


def not_visiting(live: Live, moderator: int) -> str | None:
    """Why returning from a visit would do nothing (no room is visited), or None."""
    return None if moderator in live.visits else "You are not visiting a breakout room."


def _refusal(convening_id: int, why: Callable[[Live, int], str | None], person: int) -> str | None:
    reason = why(store.load(convening_id), person)
    if reason is not None and not Registration.objects.filter(convening_id=convening_id,
                                                              participant_id=person).exists():
        raise NotFound(f"Participant {person} is not registered for this convening.")
    return reason


async def _refuse_if(conn: Connection, why: Callable[[Live, int], str | None], person: int, ref: str | None) -> None:
    """``not_in_room`` when the command would change nothing, so it gets an answer that says so.
    (Read before the change: a racing change can still make it a no-op; then it gets ``ack``.)"""
    if (reason := await db(_refusal)(conn.convening_id, why, person)) is not None:
        raise ProtocolError(ErrorCode.NOT_IN_ROOM, reason, ref)


@handles(BreakoutRecall, requires=Action.MOVE_PARTICIPANT, what="bring people back from rooms")
async def recall(conn: Connection, message: BreakoutRecall) -> None:
    await _refuse_if(conn, not_in_a_room, message.participant_id, message.id)
    await db(breakouts.recall)(conn.convening_id, message.participant_id)


@handles(BreakoutChoose)
async def choose(conn: Connection, message: BreakoutChoose) -> None:
    """Anyone may choose, but only in self-select mode (else ``forbidden``)."""
    await db(breakouts.choose)(conn.convening_id, conn.participant_id, message.room)


@handles(BreakoutResync)
async def resync(conn: Connection, message: BreakoutResync) -> None:
    """A client that missed a ``breakout.changed`` (a version gap) gets the whole state."""
    await conn.reply(await db(breakout_state)(conn.convening_id, conn.can(Action.JOIN_ANY_ROOM)))


@handles(BreakoutVisit, requires=Action.JOIN_ANY_ROOM, what="visit breakout rooms")
async def visit(conn: Connection, message: BreakoutVisit) -> None:
    await db(breakouts.visit)(conn.convening_id, conn.participant_id, message.room)


@handles(BreakoutReturn, requires=Action.JOIN_ANY_ROOM, what="visit breakout rooms")
async def leave_visit(conn: Connection, message: BreakoutReturn) -> None:
    await _refuse_if(conn, not_visiting, conn.participant_id, message.id)
    await db(breakouts.leave_visit)(conn.convening_id, conn.participant_id)


@handles(BreakoutBroadcast, requires=Action.BROADCAST, what="send broadcasts")
async def broadcast(conn: Connection, message: BreakoutBroadcast) -> None:
    if message.room is None:
        await db(broadcasts.send)(conn.convening_id, message.text, conn.person)
    else:
        await db(breakouts.broadcast_to_room)(conn.convening_id, message.room, message.text, conn.person)
