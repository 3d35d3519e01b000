"""media.*: WebRTC signaling with the media server (signaling.consumers.media_session).

Offers, answers and candidates are queued on the connection's media session and handled
there in order (errors come back as ``error`` with the media code and the message's id as
``ref``); the handler itself returns at once, so a negotiation never holds up chat.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

from convenings.models import Registration
from convenings.permissions import Action
from rooms.actions import NotFound
from rooms.actions.publish import participant_group, publish_now
from signaling.consumers import media_session
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.media.hub import get_hub
from signaling.media.placement import get_placement
from signaling.media.relay import workers_enabled
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.base import Ack
from signaling.protocol.internal.media import AllowScreen
from signaling.protocol.media import (
    MediaAllowScreen,
    MediaAnswer,
    MediaDiagnose,
    MediaDiagnostics,
    MediaIce,
    MediaLeave,
    MediaOffer,
    MediaVisible,
)


@handles(MediaOffer, requires=Action.SHARE_CAMERA_MIC, what="use camera or microphone")
async def offer(conn: Connection, message: MediaOffer) -> None:
    session = media_session.session_of(conn)
    session.submit(lambda: session.offer(message), message.id)


def _acked(conn: Connection, step: Callable[[], Awaitable[None]], ref: str | None) -> Callable[[], Awaitable[None]]:
    """The session's step, then ``ack`` if it succeeded (a failed step answers with its error):
    the one answer these messages get, sent in order with the session's other replies."""
    async def run() -> None:
        await step()
        if ref is not None:
            await conn.reply(Ack(ref=ref))
    return run


@handles(MediaAnswer)
async def answer(conn: Connection, message: MediaAnswer) -> None:
    session = _existing(conn, message.id)
    session.submit(_acked(conn, lambda: session.answer(message), message.id), message.id)


@handles(MediaIce)
async def ice(conn: Connection, message: MediaIce) -> None:
    session = _existing(conn, message.id)
    session.submit(_acked(conn, lambda: session.candidate(message), message.id), message.id)


@handles(MediaVisible)
async def visible(conn: Connection, message: MediaVisible) -> None:
    session = _existing(conn, message.id)
    session.submit(_acked(conn, lambda: session.visible(message), message.id), message.id)


@handles(MediaLeave)
async def leave(conn: Connection, message: MediaLeave) -> None:
    session = _existing(conn, message.id)
    session.submit(_acked(conn, session.client_leave, message.id), message.id)


def _existing(conn: Connection, ref: str | None) -> media_session.MediaSession:
    """Answers, candidates and leaving need media: ``unknown_participant`` without (as in the session)."""
    session = media_session.SESSIONS.get(conn.channel_name)
    if session is None:
        raise ProtocolError(ErrorCode.UNKNOWN_PARTICIPANT, media_session.NO_MEDIA, ref)
    return session


@handles(MediaAllowScreen, requires=Action.MOVE_PARTICIPANT, what="let people share their screen")
async def allow_screen(conn: Connection, message: MediaAllowScreen) -> None:
    if not await db(_registered)(conn.convening_id, message.participant_id):
        raise NotFound(f"Participant {message.participant_id} is not registered for this convening.")
    # Every tab of that person, on whichever web worker, hears it (ConveningConsumer.media_event).
    await publish_now(participant_group(conn.convening_id, message.participant_id), AllowScreen(allowed=message.allowed))


def _registered(convening_id: int, participant_id: int) -> bool:
    return Registration.objects.filter(convening_id=convening_id, participant_id=participant_id).exists()


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
