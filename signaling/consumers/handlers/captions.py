"""captions.assign, captions.line and captions.sync: parse, authorize, delegate to rooms.actions.captions."""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions import captions as actions
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles, space_for
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.captions import CaptionsAssign, CaptionsLine, CaptionsSync


@handles(CaptionsAssign, requires=Action.ASSIGN_CAPTIONER, what="choose captioners")
async def assign(conn: Connection, message: CaptionsAssign) -> None:
    space = await space_for(conn, message.space, message.id)
    await db(actions.assign)(conn.convening_id, space, message.participant_id, conn.person)


@handles(CaptionsLine)
async def line(conn: Connection, message: CaptionsLine) -> None:
    # Captions go to the space the captioner is in: they caption what they hear there.
    try:
        await db(actions.type_line)(conn.convening_id, conn.space, conn.person, message.text, message.final)
    except actions.NotCaptioner as exc:
        raise ProtocolError(ErrorCode.FORBIDDEN, str(exc), message.id) from exc


@handles(CaptionsSync)
async def sync(conn: Connection, message: CaptionsSync) -> None:
    space = await space_for(conn, message.space, message.id)
    history = await db(actions.history)(conn.convening_id, space)
    await conn.reply(history.model_copy(update={"ref": message.id}))
