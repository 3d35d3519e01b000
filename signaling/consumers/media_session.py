"""One websocket connection's media: an RTCPeerConnection on a media server, kept in step
with the connection's space.

Everything a session does — the client's offers, answers and candidates, moves, and the
media server's own offers — is a step in one queue, run in order by one task (started on
the first media message, in the connection's ``tasks``; closing the socket cancels it and
its ``finally`` leaves the media server). So the answer to a client offer always goes out
before a later server offer, and a slow negotiation never holds up chat.

Backends: the process's ``MediaHub`` (in-process, the default) or, with ``MEDIA_WORKERS``,
a media worker reached over the channel layer (``signaling.media.relay``). Each space
lives on one backend; when a move crosses to another one, the session leaves the old one
and tells the client ``media.reconnect``: it starts over with an initial offer, which joins
the new one.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from convenings.permissions import Action
from rooms.actions.publish import space_group
from signaling.consumers import media_failover
from signaling.consumers.connection import Connection
from signaling.media import errors, sdp_guard
from signaling.media.errors import MediaError
from signaling.media.hub import new_media_id, roster_id
from signaling.media.relay import Backend, RemoteBackend, backend_for, resolve_call
from signaling.media.signals import SignalOut, TrackInfo
from signaling.protocol import PLENARY, Error, ErrorCode, ProtocolError
from signaling.protocol.internal import parse
from signaling.protocol.internal.media import MEDIA_EVENTS, AllowScreen, Result, Signal
from signaling.protocol.media import (
    MediaAnswer,
    MediaIce,
    MediaLayers,
    MediaOffer,
    MediaReconnect,
    MediaScreenAllowed,
    MediaServerAnswer,
    MediaServerOffer,
    MediaTracks,
    MediaVideoPaused,
    MediaVisible,
    TrackOut,
)

logger = logging.getLogger("convene.media")
Step = Callable[[], Awaitable[None]]
# Errors after which the media connection stays usable; after any other it is closed.
KEEPS_CONNECTION = frozenset({errors.GLARE, errors.BAD_CANDIDATE})
# Browsers hide their addresses behind mDNS names (``<uuid>.local``) when they have no camera
# permission. Resolving one would make the media server listen on 0.0.0.0:5353 (multicast),
# and is never needed: the browser's connectivity checks reach the server's candidates, which
# learns its address from them (peer-reflexive). So such candidates are dropped here.
MDNS_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ \S+\.local \d+ .*(?:\r?\n|$)", re.MULTILINE | re.IGNORECASE)
SESSIONS: dict[str, MediaSession] = {}  # channel name -> session, on this web worker
NO_MEDIA = "This connection has no media: send an initial media.offer."
# (convening, participant) a moderator let share a screen in breakout rooms, on this worker.
SCREEN_ALLOWED: set[tuple[int, int]] = set()


def session_of(conn: Connection) -> MediaSession:
    """The connection's session, started on first use."""
    session = SESSIONS.get(conn.channel_name)
    if session is None:
        session = SESSIONS[conn.channel_name] = MediaSession(conn)
        conn.tasks.spawn(session.run(), name=f"media {conn.channel_name}")
    return session


def _on_workers() -> list[tuple[str, Callable[[], None]]]:
    """This process's media sessions on media workers (media_failover.py watches them)."""
    return [(session.backend.name, session.worker_lost) for session in SESSIONS.values()
            if isinstance(session.backend, RemoteBackend)]


def follow(conn: Connection) -> None:
    """The connection changed space: move its media along (if it has any)."""
    session = SESSIONS.get(conn.channel_name)
    if session is not None:
        session.submit(session.follow)


async def on_event(conn: Connection, event: dict[str, Any]) -> None:
    """A ``media.event`` for this connection from the channel layer (a malformed one: logged, dropped)."""
    parsed = parse(MEDIA_EVENTS, event, "a connection")
    if isinstance(parsed, Result):
        resolve_call(parsed)
    elif isinstance(parsed, Signal):
        session = SESSIONS.get(conn.channel_name)
        signal = _signal(parsed)
        if session is not None and signal is not None:
            session.submit(lambda: session.signal(parsed.media_id, signal))
    elif isinstance(parsed, AllowScreen):
        key = (conn.convening_id, conn.participant_id)
        (SCREEN_ALLOWED.add if parsed.allowed else SCREEN_ALLOWED.discard)(key)
        await conn.reply(MediaScreenAllowed(allowed=parsed.allowed))


def _signal(event: Signal) -> SignalOut | None:
    try:
        return SignalOut.from_dict(event.signal)
    except (TypeError, ValueError):
        logger.warning("dropped a malformed media signal for %s", event.media_id[:80], exc_info=True)
        return None


class MediaSession:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.media_id: str | None = None
        self.backend: Backend | None = None
        self._queue: asyncio.Queue[tuple[Step, str | None]] = asyncio.Queue()

    def submit(self, step: Step, ref: str | None = None) -> None:
        self._queue.put_nowait((step, ref))

    async def run(self) -> None:
        try:
            while True:
                step, ref = await self._queue.get()
                await self._guarded(step, ref)
        finally:
            SESSIONS.pop(self.conn.channel_name, None)
            await self.leave()

    async def _guarded(self, step: Step, ref: str | None) -> None:
        try:
            await step()
        except MediaError as exc:
            logger.info("media %s for participant %s: %s", exc.code, self.conn.participant_id, exc.message)
            if exc.code not in KEEPS_CONNECTION:
                await self.leave()  # close it cleanly: the client starts over
            await self.conn.reply(Error(code=ErrorCode(exc.code), message=exc.message, ref=ref))
        except ProtocolError as exc:
            await self.conn.reply(Error(code=exc.code, message=exc.message, ref=exc.ref))
        except Exception:
            logger.exception("media step failed for participant %s", self.conn.participant_id)
            await self.leave()
            await self.conn.reply(Error(code=ErrorCode.INTERNAL, message="Media failed on our side.", ref=ref))

    # ---- client messages ------------------------------------------------------------------

    async def offer(self, message: MediaOffer) -> None:
        self._check_screen(message)
        if message.initial:
            await self.leave()
            await self._join()
        media_id, backend = self._joined()
        layers = {mid: spec.model_dump() for mid, spec in message.layers.items()} or None
        answer = await backend.offer(media_id, _without_mdns(message.sdp), dict(message.tracks), layers)
        await self.conn.reply(MediaServerAnswer(sdp=answer, ref=message.id))

    async def answer(self, message: MediaAnswer) -> None:
        media_id, backend = self._joined()
        await backend.answer(media_id, _without_mdns(message.sdp))

    async def candidate(self, message: MediaIce) -> None:
        media_id, backend = self._joined()
        if message.candidate is not None and _is_mdns(message.candidate.candidate):
            return  # see MDNS_CANDIDATE
        await backend.candidate(media_id, message.candidate.model_dump() if message.candidate else None)

    async def visible(self, message: MediaVisible) -> None:
        media_id, backend = self._joined()
        await backend.visible(media_id, list(message.hidden), dict(message.sizes))

    async def client_leave(self) -> None:
        self._joined()
        await self.leave()

    async def leave(self) -> None:
        media_id, backend = self.media_id, self.backend
        self.media_id = self.backend = None
        if media_id is not None and backend is not None:
            await backend.leave(media_id)

    # ---- moves and the media server's signals ------------------------------------------------

    async def follow(self) -> None:
        if self.media_id is None or self.backend is None:
            return
        key = self._key()
        target = await backend_for(key, self.conn.channel_name, large=self.conn.space == PLENARY,
                                   role=self.conn.role, current=self.backend.name)
        if target.name != self.backend.name:
            await self.leave()
            await self.conn.reply(MediaReconnect(reason="moved"))
            return
        await self.backend.move(self.media_id, key, large=self.conn.space == PLENARY)

    def worker_lost(self) -> None:
        """This session's media worker died (media_failover.py): start over on a live one."""
        lost = self.backend

        async def restart() -> None:
            if self.backend is not lost:
                return  # already started over (the watch may tell twice)
            self.media_id = self.backend = None  # nobody to leave: the worker is gone
            await self.conn.reply(MediaReconnect(reason="worker_lost"))

        self.submit(restart)

    async def signal(self, media_id: str, signal: SignalOut) -> None:
        if media_id != self.media_id:
            return  # from a media connection already replaced
        if signal.kind == "offer" and signal.sdp is not None:
            await self.conn.reply(MediaServerOffer(sdp=signal.sdp, tracks=_tracks(signal.tracks), space=self.conn.space))
        elif signal.kind == "tracks":
            await self.conn.reply(MediaTracks(tracks=_tracks(signal.tracks), space=self.conn.space))
        elif signal.kind == "video_paused":
            await self.conn.reply(MediaVideoPaused(paused=bool(signal.paused)))
        elif signal.kind == "layers":
            await self.conn.reply(MediaLayers(active=list(signal.active)))
        elif signal.kind == "error":
            self.media_id = self.backend = None  # the media server dropped it already
            code = signal.code or errors.CONNECTION_FAILED
            await self.conn.reply(Error(code=ErrorCode(code), message=signal.message or "Media failed."))

    # ---- helpers ------------------------------------------------------------------------------

    def _joined(self) -> tuple[str, Backend]:
        """This connection's media; ``unknown_participant`` if it has none (never joined, or
        already closed: a late answer or candidate of a closed connection gets it too)."""
        if self.media_id is None or self.backend is None:
            raise MediaError(errors.UNKNOWN_PARTICIPANT, NO_MEDIA)
        return self.media_id, self.backend

    async def _join(self) -> None:
        key = self._key()
        backend = await backend_for(key, self.conn.channel_name, large=self.conn.space == PLENARY, role=self.conn.role)
        if isinstance(backend, RemoteBackend):
            media_failover.watch(_on_workers)
        media_id = new_media_id(self.conn.participant_id)
        # Set first: the server may signal while join is still running.
        self.media_id, self.backend = media_id, backend
        try:
            await backend.join(media_id, key, large=self.conn.space == PLENARY, role=self.conn.role,
                               send=self._sender(media_id))
        except BaseException:
            self.media_id = self.backend = None
            raise

    def _sender(self, media_id: str) -> Callable[[SignalOut], Awaitable[None]]:
        async def send(signal: SignalOut) -> None:
            # Queued, never sent from the media server's task: order with our own replies.
            self.submit(lambda: self.signal(media_id, signal))

        return send

    def _key(self) -> str:
        return space_group(self.conn.convening_id, self.conn.space)

    def _check_screen(self, message: MediaOffer) -> None:
        conn = self.conn
        if conn.can(Action.SHARE_SCREEN):
            return
        if conn.space != PLENARY and (conn.convening_id, conn.participant_id) in SCREEN_ALLOWED:
            return
        # An unlabelled second video would default to "screen": count sending videos too
        # (a camera's simulcast layers, declared in ``layers``, are one camera).
        videos = sum(m.kind == "video" and (m.direction or "sendrecv") in sdp_guard.SENDING
                     for m in sdp_guard.parse(message.sdp).media)
        if "screen" in message.tracks.values() or videos - max(0, len(message.layers) - 1) > 1:
            raise ProtocolError(ErrorCode.FORBIDDEN, f"Your role ({conn.role}) cannot share a screen here.",
                                message.id)


def _without_mdns(sdp: str) -> str:
    return MDNS_CANDIDATE.sub("", sdp)


def _is_mdns(line: str) -> bool:
    fields = line.removeprefix("a=").removeprefix("candidate:").split()
    return len(fields) > 4 and fields[4].lower().endswith(".local")


def _tracks(infos: tuple[TrackInfo, ...]) -> list[TrackOut]:
    return [TrackOut(mid=t.mid, participant_id=roster_id(t.participant_id), label=t.label, kind=t.kind)  # type: ignore[arg-type]
            for t in infos]
