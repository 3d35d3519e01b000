"""recording.start, recording.stop and recording.sync: parse, authorize, delegate.

The convening's part is recordings.actions (who may record where, the row) and
rooms.actions.recording (what the space is told);
the media server's part is signaling.media.recording (the packets on disk)."""
from __future__ import annotations

import logging
from pathlib import Path

from convenings.permissions import Action
from recordings import actions
from recordings.models import Recording
from rooms.actions import recording as announcing
from rooms.actions.publish import space_group
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles, space_for
from signaling.media.captioning.rules import parse_space_key
from signaling.media.errors import MediaError
from signaling.media.recording import control
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.recording import RecordingStart, RecordingStop, RecordingSync

logger = logging.getLogger(__name__)
ROOMS_CLOSED = "The organizer has not allowed recording breakout rooms."
INTERRUPTED = "interrupted"  # the server restarted while recording: the row ends as it was left


async def on_fault(space_key: str, reason: str, message: str) -> None:
    """The media server stopped a recording on its own (a full disk): the space and the
    convening's moderators are told (rooms.actions.recording.fault)."""
    logger.error("recording of %s stopped: %s (%s)", space_key, reason, message)
    where = parse_space_key(space_key)
    if where is not None:
        await db(announcing.fault)(where[0], where[1], reason)


@handles(RecordingStart, requires=Action.RECORD, what="start recording")
async def start(conn: Connection, message: RecordingStart) -> None:
    space = await space_for(conn, message.space, message.id)
    if not await db(actions.may_record)(conn.convening_id, space):
        raise ProtocolError(ErrorCode.FORBIDDEN, ROOMS_CLOSED, message.id)
    try:
        recording = await _begin(conn, space)
    except actions.AlreadyRecording:  # someone started it a moment ago: say so
        await conn.reply(await db(actions.state)(conn.convening_id, space))
        return
    try:
        await control.start_space(space_group(conn.convening_id, space), Path(recording.folder), on_fault)
    except MediaError as exc:
        await db(actions.abandon)(recording.pk)
        raise ProtocolError(ErrorCode.UNAVAILABLE, exc.message, message.id) from exc
    await db(announcing.announce)(recording, conn.person)


async def _begin(conn: Connection, space: str) -> Recording:
    """A new recording row; one its media server no longer records (left by a restart, it
    would block the space for good) is ended first, as it was left (``INTERRUPTED``)."""
    try:
        return await db(actions.begin)(conn.convening_id, space, conn.person)
    except actions.AlreadyRecording:
        if await control.recording_now(space_group(conn.convening_id, space)) is not False:
            raise
    logger.warning("recording of %s: ending a row its media server no longer records", space)
    await db(announcing.end)(conn.convening_id, space, None, reason=INTERRUPTED)
    return await db(actions.begin)(conn.convening_id, space, conn.person)


@handles(RecordingStop, requires=Action.RECORD, what="stop recording")
async def stop(conn: Connection, message: RecordingStop) -> None:
    space = await space_for(conn, message.space, message.id)
    try:  # once the files are closed
        live = await control.stop_space(space_group(conn.convening_id, space))
    except MediaError:  # the worker is gone (its files end where they are): the row ends all the same
        logger.warning("recording of %s: its media worker did not answer the stop", space, exc_info=True)
        live = None
    await db(announcing.end)(conn.convening_id, space, conn.person, gaps=live.gaps if live else None,
                          dropped=live.dropped if live else 0)


@handles(RecordingSync)
async def sync(conn: Connection, message: RecordingSync) -> None:
    space = await space_for(conn, message.space, message.id)
    state = await db(actions.state)(conn.convening_id, space)
    await conn.reply(state.model_copy(update={"ref": message.id}))
