"""The one websocket each participant opens per convening: /ws/convenings/<slug>/.

The consumer only admits, parses (signaling.protocol), rate-limits and hands
each message to its handler (signaling.consumers.handlers), which checks
permissions and calls rooms.actions. Events from other connections arrive as
``deliver`` (an already-serialized client message) or ``space.enter`` (move).

The convening's and the space's groups are joined through the worker's fan-out hub
(signaling.consumers.fanout), which writes their frames to this socket directly, in
this connection's lane (``self.member``); the participant group is the consumer's own.
Text frames are written straight to daphne's socket (signaling.consumers.direct_write).
Under daphne, frames are rate-limited as they arrive and what waits unread for a slow client
is bounded (signaling.consumers.backpressure); without it, the consumer charges the bucket.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer
from django.conf import settings
from django.utils import timezone

from convenings.models import Registration
from rooms.actions import presence
from rooms.actions.publish import space_group
from signaling.consumers import arrivals, backpressure, breakout_events, media_session, outage
from signaling.consumers.admission import Refused, admit
from signaling.consumers.connection import Connection
from signaling.consumers.direct_write import Frame, writer_for
from signaling.consumers.fanout import Member, hub_for
from signaling.consumers.handlers import db, dispatch
from signaling.consumers.transport import fail_cleanly
from signaling.consumers.welcome import Arriving, convening_ref, identity, space_entered
from signaling.protocol import (
    ClientMessage,
    Error,
    ErrorCode,
    ProtocolError,
    ServerMessage,
    current_limits,
    error_reply,
    parse_client_message,
)
from signaling.protocol.base import Ack, CloseCode
from signaling.protocol.internal import DELIVER_EVENT, parse
from signaling.protocol.plenary import SpaceEntered
from signaling.worker import WORKER

logger = logging.getLogger("convene.signaling")


def _close_reason(text: str) -> str:
    """Websocket close reasons hold at most 123 bytes of UTF-8."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore")


DISCONNECT = "websocket.disconnect"


def _max_queued_bytes() -> int:
    return int(getattr(settings, "WS_MAX_QUEUED_BYTES", backpressure.DEFAULT_MAX_QUEUED))


class ConveningConsumer(AsyncWebsocketConsumer):
    conn: Connection | None = None
    channel_layer: BaseChannelLayer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = Member(name=f"{id(self):x}")  # this connection's lane in the fan-out hub
        self._direct: Callable[[Frame], None] | None = None
        self._guard: backpressure.Guard | None = None  # the flood limits (None: no daphne underneath)
        self._answering: str | None = None  # the id of the client message being handled
        self._answered = False  # a reply with that id as ``ref`` went out

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # However this application instance ends — a handler raising, a send failing, daphne
        # cancelling it — the connection's presence, groups, tasks and media are released. An
        # instance that dies with an exception never gets websocket.disconnect (daphne closes the
        # socket with 1011 and forgets it), so disconnect() would otherwise never run: the roster
        # kept counting the connection (the heartbeat refreshed its row) and its media leaked.
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.conn is not None:
                await self.disconnect(int(CloseCode.INTERNAL))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # In this connection's lane: fan-out frames arriving meanwhile are written after
        # (a welcome before the chat it raced, a moved person's space.entered before the
        # new state). Not a disconnect: it cancels the lane's pending work instead of waiting.
        if message["type"] == DISCONNECT:
            await self._dispatch(message)
        else:
            await self.member.turn(lambda: self._dispatch(message))

    async def _dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first hops to the database thread to close stale
        # connections, for every event. Our database work already runs through
        # database_sync_to_async, which does that; skipping it keeps a chat fan-out
        # to a thousand connections from queueing a thousand hops on one thread.
        handler = getattr(self, get_handler_name(message), None) if isinstance(message.get("type"), str) else None
        if handler is None:  # another process's bug or version: this connection goes on
            logger.warning("dropped a channel-layer event of unknown type %r", str(message.get("type"))[:80])
            return
        await handler(message)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        direct = self._direct
        if direct is not None and text_data is not None and not close:
            direct(Frame(text_data))  # one send() now, not three system calls on the next poll
        elif close or text_data is None or self._may_send(text_data):
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def _write(self, frame: Frame) -> None:
        """A fan-out frame through the ASGI send (direct writes off, or tests' communicator)."""
        if self._may_send(frame.text):
            await self.base_send({"type": "websocket.send", "text": frame.text})

    def _may_send(self, text: str) -> bool:
        """The outgoing bound on daphne's own path (the direct writer asks the guard itself)."""
        return self._guard is None or self._guard.may_send(len(text))

    async def _drained(self) -> None:
        if self._guard is not None:
            await self._guard.drained()

    # ---- websocket lifecycle ------------------------------------------------------------

    async def connect(self) -> None:
        # Accept first: daphne turns a close-before-accept into HTTP 403 (browsers would
        # never see our close code), and drops handshakes not accepted within 5 s — which
        # a join storm queueing on the database thread could otherwise exceed.
        # The flood limits first: from the first frame on, frames are judged as they arrive.
        self._guard = backpressure.guard_for(self.base_send, current_limits(), _max_queued_bytes(),
                                             WORKER.rate_limiter)
        await self.accept()
        fail_cleanly(self.base_send)  # bad frames get a close code (1007/1009), not a dropped socket
        try:
            admitted = await admit(self.scope)
            if isinstance(admitted, Refused):
                await self._refuse(admitted)
                return
            await self._join(admitted)
        except Exception as exc:
            if not outage.is_outage(exc):
                raise  # a bug: daphne logs it and closes with 1011 (an application may not send 1011)
            logger.warning("refused a live connection, a service is not answering: %s", exc)
            await self.reply(Error(code=ErrorCode.UNAVAILABLE, message=outage.UNAVAILABLE))  # before the close
            await self.close(code=int(CloseCode.UNAVAILABLE))

    async def _join(self, registration: Registration) -> None:
        WORKER.start()
        # A late joiner (rooms open, not in the plan) is placed first: the welcome names their room.
        space = await arrivals.place(registration.convening_id, registration.participant_id, registration.role)
        conn = self.conn = Connection(
            channel_name=self.channel_name, convening_id=registration.convening_id,
            convening=convening_ref(registration), you=identity(registration), space=space,
            limits=current_limits(), reply=self.reply, drained=self._drained)
        guard = self._guard
        self._direct = writer_for(self.base_send, guard.may_send if guard is not None else None)
        if guard is not None:
            guard.admitted(conn.participant_id, conn.limits)
            guard.write = self._direct
        self.member.attach(conn.participant_id, breakout_events.is_staff(conn), self._direct or self._write,
                           self._dispatch)
        # Groups first, snapshot second: an event racing the welcome arrives after it
        # (clients de-duplicate) instead of being lost. We hold our lane until the welcome is out.
        hub = hub_for(self.channel_layer)
        await hub.hold(conn.own_group, self.channel_name)  # renewed while open (a restarted Redis forgets it)
        for group in conn.shared_groups:
            await hub.join(group, self.member)
        greeting = await arrivals.greet(Arriving(presence.Arrival(
            channel_name=self.channel_name, convening_id=conn.convening_id, participant_id=conn.participant_id,
            role=conn.role, worker=WORKER.worker_id, space=conn.space), conn.you, conn.convening, conn.limits))
        WORKER.attach(self.channel_name, self._expired)
        await self.reply(greeting.welcome)
        for prompt in greeting.prompts:
            await self.reply(prompt)
        # Breakouts may have opened or closed between reading the space and joining the groups.
        if (space := greeting.where) != conn.space:
            # The change that moved this person missed this connection's row: move it too.
            await db(presence.relocate)(conn.convening_id, {conn.participant_id: space}, timezone.now())
            await self.enter_space(space)

    async def disconnect(self, code: int) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        WORKER.detach(self.channel_name)
        await self.member.close()
        await conn.tasks.cancel_all()
        hub = hub_for(self.channel_layer)  # leaving never fails: a layer that is down is logged
        await hub.release(conn.own_group, self.channel_name)
        for group in conn.shared_groups:
            await hub.leave(group, self.member)
        try:
            await db(presence.leave)(self.channel_name)
        except Exception:  # noqa: BLE001 — the sweep removes the row after PRESENCE_TIMEOUT_S
            logger.exception("could not record that %s left", self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        conn = self.conn
        if conn is None:  # refused and closing
            return
        try:
            await self._handle(conn, text_data if text_data is not None else bytes_data or b"")
        except ProtocolError as exc:
            logger.info("refused %s from participant %s: %s", exc.code, conn.participant_id, exc.message)
            await self.reply(error_reply(exc))
        except Exception:
            logger.exception("message from participant %s failed", conn.participant_id)
            await self.reply(Error(code=ErrorCode.INTERNAL, message="Something went wrong on our side.",
                                   ref=self._answering))
        finally:
            self._answering = None

    async def _handle(self, conn: Connection, raw: str | bytes) -> None:
        try:
            message = parse_client_message(raw, conn.limits)
        except ProtocolError as exc:
            self._charge(conn, exc.ref)  # malformed frames count against the rate limit too
            raise
        self._charge(conn, message.id)
        self._answering, self._answered = message.id, False
        await dispatch(conn, message)
        if self._needs_ack(message):
            await self.reply(Ack(ref=message.id))

    def _needs_ack(self, message: ClientMessage) -> bool:
        """Every message with an id gets exactly one answer: its own result or error (which
        the handler sent, or background work will send), else ``ack``."""
        return message.id is not None and not self._answered and not message.answers_later

    def _charge(self, conn: Connection, ref: str | None) -> None:
        if self._guard is not None:
            return  # charged when daphne received it (backpressure.Guard.arrived)
        limits = conn.limits
        if not WORKER.rate_limiter.allow(conn.participant_id, limits.rate_limit_burst, limits.rate_limit_per_s):
            raise ProtocolError(ErrorCode.RATE_LIMITED, backpressure.RATE_LIMITED, ref)

    async def reply(self, message: ServerMessage) -> None:
        answers = self._answering is not None and getattr(message, "ref", None) == self._answering
        self._answered = self._answered or answers
        try:
            text = message.to_json()
        except ValueError:  # PydanticSerializationError: a bug (client text is whole Unicode by now)
            logger.exception("could not serialize a %s reply", message.type_name())
            text = Error(code=ErrorCode.INTERNAL, message="A reply could not be sent.",
                         ref=self._answering if answers else None).to_json()
        await self.send(text_data=text)

    async def _refuse(self, refused: Refused) -> None:
        code = {CloseCode.UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED, CloseCode.NO_CONVENING: ErrorCode.NOT_FOUND,
                CloseCode.NOT_OPEN_YET: ErrorCode.NOT_OPEN_YET}.get(refused.code, ErrorCode.FORBIDDEN)
        logger.info("refused websocket (%s): %s", refused.code, refused.reason)
        await self.reply(Error(code=code, message=refused.reason))
        await self.close(code=int(refused.code), reason=_close_reason(refused.reason))  # autobahn wants a plain int

    async def _expired(self) -> None:
        reason = "Your connection timed out; reconnecting."
        await self.reply(Error(code=ErrorCode.EXPIRED, message=reason))
        await self.close(code=int(CloseCode.EXPIRED), reason=reason)

    # ---- events from the channel layer ------------------------------------------------

    async def deliver(self, event: dict[str, Any]) -> None:
        deliver = parse(DELIVER_EVENT, event, "a connection")
        if deliver is not None:
            await self.send(text_data=deliver.text)

    async def breakouts_event(self, event: dict[str, Any]) -> None:
        """Rooms opened, closed or changed; this person may have to follow (breakout_events)."""
        await breakout_events.handle(self, event)

    async def media_event(self, event: dict[str, Any]) -> None:
        """A media worker's reply or signal, or a moderator's screen-share permission (media_session)."""
        if self.conn is not None:
            await media_session.on_event(self.conn, event)

    async def enter_space(self, space: str, entered: SpaceEntered | None = None) -> None:
        """Switch this connection's space group, then tell it what the space holds."""
        conn = self.conn
        if conn is None:
            return
        hub = hub_for(self.channel_layer)
        await hub.leave(space_group(conn.convening_id, conn.space), self.member)
        conn.space = space
        await hub.join(space_group(conn.convening_id, conn.space), self.member)
        media_session.follow(conn)  # its media follows, renegotiating the same connection
        await self.reply(entered or await db(space_entered)(conn.convening_id, conn.space, conn.limits))
