"""broadcast.send: a moderator's notice to the whole convening."""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions import broadcasts
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol.plenary import BroadcastSend


@handles(BroadcastSend, requires=Action.BROADCAST, what="send broadcasts")
async def send(conn: Connection, message: BroadcastSend) -> None:
    await db(broadcasts.send)(conn.convening_id, message.text, conn.person)
