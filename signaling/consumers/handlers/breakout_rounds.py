"""breakout.rounds.*: multi-round protocols (moderators who open breakouts).

Each handler: the role check, then one action in rooms.actions.breakout_rounds; everyone
learns the result from ``breakout.state`` (its ``rounds``), published by the action.
"""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions import breakout_rounds
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol.breakout_rounds import (
    BreakoutRoundsNext,
    BreakoutRoundsSet,
    BreakoutRoundsStart,
    BreakoutRoundsStop,
)

WHAT = "run rounds of breakout rooms"


@handles(BreakoutRoundsSet, requires=Action.OPEN_BREAKOUTS, what=WHAT)
async def define(conn: Connection, message: BreakoutRoundsSet) -> None:
    await db(breakout_rounds.define)(conn.convening_id, message.session_id,
                                     [(r.strategy, r.minutes) for r in message.rounds], message.grace_s,
                                     message.room_count)


@handles(BreakoutRoundsStart, requires=Action.OPEN_BREAKOUTS, what=WHAT)
async def start(conn: Connection, message: BreakoutRoundsStart) -> None:
    await db(breakout_rounds.start)(conn.convening_id)


@handles(BreakoutRoundsNext, requires=Action.OPEN_BREAKOUTS, what=WHAT)
async def next_round(conn: Connection, message: BreakoutRoundsNext) -> None:
    await db(breakout_rounds.next_round)(conn.convening_id, message.countdown)


@handles(BreakoutRoundsStop, requires=Action.OPEN_BREAKOUTS, what=WHAT)
async def stop(conn: Connection, message: BreakoutRoundsStop) -> None:
    await db(breakout_rounds.stop)(conn.convening_id)
