"""hand.raise, hand.lower and hand.invite."""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions import hands
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol.plenary import HandInvite, HandLower, HandRaise


@handles(HandRaise, requires=Action.RAISE_HAND, what="raise a hand")
async def raise_hand(conn: Connection, message: HandRaise) -> None:
    await db(hands.raise_hand)(conn.convening_id, conn.participant_id, conn.space)


@handles(HandLower)
async def lower(conn: Connection, message: HandLower) -> None:
    whose = message.participant_id or conn.participant_id
    if whose != conn.participant_id:
        conn.require(Action.LOWER_ANY_HAND, message.id, "lower someone else's hand")
    await db(hands.lower_hand)(conn.convening_id, whose)


@handles(HandInvite, requires=Action.INVITE_TO_SPEAK, what="invite people to speak")
async def invite(conn: Connection, message: HandInvite) -> None:
    await db(hands.invite_to_speak)(conn.convening_id, message.participant_id, conn.person)
