"""ping → pong: liveness and a cheap "everything before this was handled" barrier."""
from __future__ import annotations

from signaling.consumers.connection import Connection
from signaling.consumers.handlers import handles
from signaling.protocol.base import Ping, Pong


@handles(Ping)
async def ping(conn: Connection, message: Ping) -> None:
    await conn.reply(Pong(ref=message.id))
