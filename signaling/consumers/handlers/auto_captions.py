"""captions.automatic: parse, authorize, delegate to the media server that hosts the space."""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions.publish import space_group
from signaling.consumers import automatic_captions
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import handles, space_for
from signaling.media.errors import MediaError
from signaling.media.relay import caption_space
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.captions import CaptionsAutomatic


# Whoever may choose a space's captioner chooses whether the machine captions it.
@handles(CaptionsAutomatic, requires=Action.ASSIGN_CAPTIONER, what="turn automatic captions on or off")
async def automatic(conn: Connection, message: CaptionsAutomatic) -> None:
    space = await space_for(conn, message.space, message.id)
    try:
        await caption_space(space_group(conn.convening_id, space), message.on)
    except MediaError as exc:
        raise ProtocolError(ErrorCode.UNAVAILABLE, exc.message, message.id) from exc
    await automatic_captions.tell_space(conn.convening_id, space, message.on)
