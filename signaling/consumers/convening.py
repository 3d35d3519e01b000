"""The one websocket each participant opens per convening: /ws/convenings/<slug>/.

The consumer only admits, parses (signaling.protocol), rate-limits and hands
each message to its handler (signaling.consumers.handlers), which checks
permissions and calls rooms.actions. Events from other connections arrive as
``deliver`` (an already-serialized client message) or ``space.enter`` (move).

The convening's and the space's groups are joined through the worker's fan-out hub
(signaling.consumers.fanout), which writes their frames to this socket directly, in
this connection's lane (``self.member``); the participant group is the consumer's own.
Text frames are written straight to daphne's socket (signaling.consumers.direct_write).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer

from convenings.models import Registration
from rooms.actions import presence
from rooms.actions import surveys as survey_actions
from rooms.actions.publish import space_group
from rooms.breakouts import store as breakout_store
from signaling.consumers import breakout_events, media_session
from signaling.consumers.admission import Refused, admit
from signaling.consumers.connection import Connection
from signaling.consumers.direct_write import Frame, writer_for
from signaling.consumers.fanout import Member, hub_for
from signaling.consumers.handlers import db, dispatch
from signaling.consumers.welcome import arrive, convening_ref, identity, space_entered
from signaling.protocol import (
    Error, ErrorCode, ProtocolError, ServerMessage, current_limits, error_reply, parse_client_message,
)
from signaling.protocol.base import CloseCode
from signaling.protocol.plenary import SpaceEntered
from signaling.worker import WORKER

logger = logging.getLogger("convene.signaling")


def _close_reason(text: str) -> str:
    """Websocket close reasons hold at most 123 bytes of UTF-8."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore")


DISCONNECT = "websocket.disconnect"


class ConveningConsumer(AsyncWebsocketConsumer):
    conn: Connection | None = None
    channel_layer: BaseChannelLayer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = Member(name=f"{id(self):x}")  # this connection's lane in the fan-out hub
        self._direct: Callable[[Frame], None] | None = None

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
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        direct = self._direct
        if direct is not None and text_data is not None and not close:
            direct(Frame(text_data))  # one send() now, not three system calls on the next poll
        else:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def _write(self, frame: Frame) -> None:
        """A fan-out frame through the ASGI send (no daphne underneath: tests' communicator)."""
        await self.base_send({"type": "websocket.send", "text": frame.text})

    # ---- websocket lifecycle ------------------------------------------------------------

    async def connect(self) -> None:
        # Accept first: daphne turns a close-before-accept into HTTP 403 (browsers would
        # never see our close code), and drops handshakes not accepted within 5 s — which
        # a join storm queueing on the database thread could otherwise exceed.
        await self.accept()
        admitted = await admit(self.scope)
        if isinstance(admitted, Refused):
            await self._refuse(admitted)
            return
        try:
            await self._join(admitted)
        except Exception:
            logger.exception("could not open the live connection of participant %s", admitted.participant_id)
            await self.close(code=1011)

    async def _join(self, registration: Registration) -> None:
        WORKER.start()
        space = await db(breakout_store.space_of)(registration.convening_id, registration.participant_id)
        conn = self.conn = Connection(
            channel_name=self.channel_name, convening_id=registration.convening_id,
            convening=convening_ref(registration), you=identity(registration), space=space,
            limits=current_limits(), reply=self.reply)
        self._direct = writer_for(self.base_send)
        self.member.attach(conn.participant_id, breakout_events.is_staff(conn), self._direct or self._write,
                           self._dispatch)
        # Groups first, snapshot second: an event racing the welcome arrives after it
        # (clients de-duplicate) instead of being lost. We hold our lane until the welcome is out.
        await self.channel_layer.group_add(conn.own_group, self.channel_name)
        hub = hub_for(self.channel_layer)
        for group in conn.shared_groups:
            await hub.join(group, self.member)
        greeting = await db(arrive)(presence.Arrival(
            channel_name=self.channel_name, convening_id=conn.convening_id, participant_id=conn.participant_id,
            role=conn.role, worker=WORKER.worker_id, space=conn.space), conn.you, conn.convening, conn.limits)
        WORKER.attach(self.channel_name, self._expired)
        await self.reply(greeting)
        for prompt in await db(survey_actions.prompts_for)(conn.convening_id, conn.participant_id):
            await self.reply(prompt)
        # Breakouts may have opened or closed between reading the space and joining the groups.
        if (space := breakout_events.located(greeting.breakouts, conn.participant_id)) != conn.space:
            await self.enter_space(space)

    async def disconnect(self, code: int) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        WORKER.detach(self.channel_name)
        await self.member.close()
        await conn.tasks.cancel_all()
        await self.channel_layer.group_discard(conn.own_group, self.channel_name)
        hub = hub_for(self.channel_layer)
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
            await self.reply(Error(code=ErrorCode.INTERNAL, message="Something went wrong on our side."))

    async def _handle(self, conn: Connection, raw: str | bytes) -> None:
        try:
            message = parse_client_message(raw, conn.limits)
        except ProtocolError as exc:
            self._charge(conn, exc.ref)  # malformed frames count against the rate limit too
            raise
        self._charge(conn, message.id)
        await dispatch(conn, message)

    def _charge(self, conn: Connection, ref: str | None) -> None:
        limits = conn.limits
        if not WORKER.rate_limiter.allow(conn.participant_id, limits.rate_limit_burst, limits.rate_limit_per_s):
            raise ProtocolError(ErrorCode.RATE_LIMITED, "Too many messages: wait a few seconds.", ref)

    async def reply(self, message: ServerMessage) -> None:
        await self.send(text_data=message.to_json())

    async def _refuse(self, refused: Refused) -> None:
        code = {CloseCode.UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
                CloseCode.NO_CONVENING: ErrorCode.NOT_FOUND}.get(refused.code, ErrorCode.FORBIDDEN)
        logger.info("refused websocket (%s): %s", refused.code, refused.reason)
        await self.reply(Error(code=code, message=refused.reason))
        await self.close(code=int(refused.code), reason=_close_reason(refused.reason))  # autobahn wants a plain int

    async def _expired(self) -> None:
        reason = "Your connection timed out; reconnecting."
        await self.reply(Error(code=ErrorCode.EXPIRED, message=reason))
        await self.close(code=int(CloseCode.EXPIRED), reason=reason)

    # ---- events from the channel layer ------------------------------------------------

    async def deliver(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def space_enter(self, event: dict[str, Any]) -> None:
        """This person was moved (rooms.actions.presence.move): follow into the new space."""
        await self.enter_space(event["space"])

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
