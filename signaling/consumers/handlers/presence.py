"""presence.update: the camera and microphone state a tab reports."""
from __future__ import annotations

from convenings.permissions import Action
from rooms.actions import presence
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol.plenary import PresenceUpdate


@handles(PresenceUpdate, requires=Action.SHARE_CAMERA_MIC, what="share camera or microphone")
async def update(conn: Connection, message: PresenceUpdate) -> None:
    await db(presence.report_media)(conn.channel_name, message.camera, message.mic)
