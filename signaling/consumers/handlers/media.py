"""media.*: WebRTC signaling with the media server (signaling.consumers.media_session).

Offers, answers and candidates are queued on the connection's media session and handled
there in order (errors come back as ``error`` with the media code and the message's id as
``ref``); the handler itself returns at once, so a negotiation never holds up chat.
"""
from __future__ import annotations

import asyncio
import os

from channels.layers import get_channel_layer

from convenings.permissions import Action
from rooms.actions.publish import participant_group
from signaling.consumers import media_session
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import handles
from signaling.media.hub import get_hub
from signaling.media.placement import get_placement
from signaling.media.relay import workers_enabled
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.media import (
    MediaAllowScreen, MediaAnswer, MediaDiagnose, MediaDiagnostics, MediaIce, MediaLeave, MediaOffer,
)


@handles(MediaOffer, requires=Action.SHARE_CAMERA_MIC, what="use camera or microphone")
async def offer(conn: Connection, message: MediaOffer) -> None:
    session = media_session.session_of(conn)
    session.submit(lambda: session.offer(message), message.id)


@handles(MediaAnswer)
async def answer(conn: Connection, message: MediaAnswer) -> None:
    session = _existing(conn, message.id)
    session.submit(lambda: session.answer(message), message.id)


@handles(MediaIce)
async def ice(conn: Connection, message: MediaIce) -> None:
    session = _existing(conn, message.id)
    session.submit(lambda: session.candidate(message), message.id)


@handles(MediaLeave)
async def leave(conn: Connection, message: MediaLeave) -> None:
    session = _existing(conn, message.id)
    session.submit(session.client_leave, message.id)


def _existing(conn: Connection, ref: str | None) -> media_session.MediaSession:
    """Answers, candidates and leaving need media: ``unknown_participant`` without (as in the session)."""
    session = media_session.SESSIONS.get(conn.channel_name)
    if session is None:
        raise ProtocolError(ErrorCode.UNKNOWN_PARTICIPANT, media_session.NO_MEDIA, ref)
    return session


@handles(MediaAllowScreen, requires=Action.MOVE_PARTICIPANT, what="let people share their screen")
async def allow_screen(conn: Connection, message: MediaAllowScreen) -> None:
    # Every tab of that person, on whichever web worker, hears it (ConveningConsumer.media_event).
    event = {"type": "media.event", "kind": "allow_screen", "allowed": message.allowed}
    await get_channel_layer().group_send(participant_group(conn.convening_id, message.participant_id), event)


def _process() -> dict[str, int]:
    """What leaks would show: this process's asyncio tasks and open file descriptors (UDP sockets)."""
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1
    return {"process_tasks": len(asyncio.all_tasks()), "process_fds": fds}


@handles(MediaDiagnose, requires=Action.JOIN_ANY_ROOM, what="see the media servers' counters")
async def diagnose(conn: Connection, message: MediaDiagnose) -> None:
    if workers_enabled():
        servers = {name: beat["stats"] for name, beat in (await get_placement().alive()).items()}
    else:
        servers = {"in-process": {**get_hub().stats(), **_process()}}
    await conn.reply(MediaDiagnostics(sessions=len(media_session.SESSIONS), servers=servers, ref=message.id))
