"""Cheaper websocket writes under daphne, for the plenary fan-out (signaling.consumers.fanout).

Profiled (docs/benchmarks.md, "Plenary fan-out"), half of a delivered frame's server CPU
was daphne's write path: the ASGI message through daphne's ``handle_reply``, autobahn's
``sendMessage`` framing the same text once per connection, then Twisted's ``write`` →
``addWriter`` (``epoll_ctl``), a wake-up on the next loop poll → ``send()`` →
``removeWriter`` (``epoll_ctl``): three system calls and a trip through the reactor per frame.

This adapter frames a message once (autobahn's public ``PreparedMessage``) and, for each
connection whose outgoing buffers are empty, hands the frame to the socket at once
(``writeSomeData``: one ``send()``); whatever the kernel does not take, and every frame for
a connection with data still queued, goes through Twisted's ordinary ``write`` so the byte
order on the wire is kept. Anything unusual (compression negotiated, closing, TLS, an
unknown transport) takes autobahn's own ``sendPreparedMessage``.

It reaches into daphne, autobahn and Twisted internals, so it is pinned to the versions it
was checked against (``PINNED``): with any other version installed, ``writer_for`` raises
at the first connection instead of guessing. Re-read the code paths named above, then
update ``PINNED``. ``CONVENE_DIRECT_WRITES=0`` switches it off (ASGI ``send`` everywhere).
"""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

logger = logging.getLogger("convene.signaling")

# Checked against: daphne.server.Server.handle_reply / daphne.ws_protocol.WebSocketProtocol,
# autobahn.websocket.protocol.PreparedMessage / WebSocketProtocol.sendPreparedMessage,
# twisted.internet.abstract.FileDescriptor.write / doWrite, twisted.internet.tcp.Connection,
# channels.sessions.InstanceSessionWrapper.send (the wrapper between the consumer and daphne).
PINNED = {"daphne": "4.2.3", "autobahn": "26.10.2", "twisted": "26.10.0", "channels": "4.3.2"}

AsgiSend = Callable[[dict[str, Any]], Awaitable[None]]


class UnpinnedVersion(RuntimeError):
    """An installed package differs from the version this adapter was checked against."""


def enabled() -> bool:
    return os.environ.get("CONVENE_DIRECT_WRITES", "1") != "0"


@functools.cache
def check_pins() -> None:
    wrong = {name: version(name) for name, pinned in PINNED.items() if version(name) != pinned}
    if wrong:
        raise UnpinnedVersion(
            f"signaling.consumers.direct_write was checked against {PINNED}, installed: {wrong}. "
            "Re-check the internals it uses and update PINNED, or set CONVENE_DIRECT_WRITES=0.")


class Frame:
    """One text message, framed once for every connection that receives it."""

    __slots__ = ("text", "_prepared")

    def __init__(self, text: str) -> None:
        self.text = text
        self._prepared: Any = None

    @property
    def prepared(self) -> Any:
        if self._prepared is None:  # only when a daphne connection needs it (not in tests' fakes)
            from autobahn.websocket.protocol import PreparedMessage

            self._prepared = PreparedMessage(self.text.encode("utf-8"), False, False, False)
        return self._prepared


def _daphne_protocol(send: Any) -> Any | None:
    """The daphne WebSocketProtocol behind an ASGI ``send``, or None if it is not daphne's.

    daphne gives the application ``partial(server.handle_reply, protocol)``; Channels' session
    middleware wraps it in ``InstanceSessionWrapper.send`` (``real_send``).
    """
    for _ in range(8):  # middleware depth; ours is one wrapper
        if isinstance(send, functools.partial):
            func = send.func
            owner = getattr(func, "__self__", None)
            if getattr(func, "__name__", "") == "handle_reply" and type(owner).__module__ == "daphne.server":
                return send.args[0] if send.args else None
            return None
        wrapper = getattr(send, "__self__", None)
        send = getattr(wrapper, "real_send", None)
        if send is None:
            return None
    return None


class DaphneWriter:
    """Writes frames straight to one daphne websocket's socket (see the module's docstring)."""

    __slots__ = ("protocol", "_open", "_connecting")

    def __init__(self, protocol: Any) -> None:
        from autobahn.websocket.protocol import WebSocketProtocol

        self.protocol = protocol
        self._open, self._connecting = WebSocketProtocol.STATE_OPEN, WebSocketProtocol.STATE_CONNECTING
        for name in ("state", "send_queue", "_perMessageCompress", "transport", "sendPreparedMessage",
                     "maxMessagePayloadSize", "logOctets", "logFrames", "serverSend"):
            if not hasattr(protocol, name):
                raise UnpinnedVersion(f"daphne's websocket protocol has no {name!r}: internals changed")

    def write(self, frame: Frame) -> None:
        proto = self.protocol
        if proto.state != self._open:
            if proto.state == self._connecting:
                proto.serverSend(frame.text, False)  # daphne's own path (it completes the handshake)
            return  # closing or closed: nobody will read it (daphne's path drops it too)
        prepared = frame.prepared
        if proto.send_queue or proto._perMessageCompress is not None or proto.logOctets or proto.logFrames \
                or 0 < proto.maxMessagePayloadSize < len(prepared.payload):
            proto.sendPreparedMessage(prepared)  # autobahn's own path: queueing, compression, limits
            return
        _write_now(proto.transport, prepared.payloadHybi)


def _write_now(transport: Any, data: bytes) -> None:
    """One ``send()`` when nothing is queued ahead of ``data``; else (or for the rest) Twisted's ``write``."""
    try:
        idle = (transport.connected and not transport.disconnecting and not transport._tempDataLen
                and len(transport.dataBuffer) == transport.offset)
        write_some = transport.writeSomeData
    except AttributeError:  # not a plain TCP transport (e.g. TLS): the ordinary path
        transport.write(data)
        return
    if not idle:
        transport.write(data)  # after what is queued: the order on the wire is kept
        return
    sent = write_some(data)
    if not isinstance(sent, int):
        transport.write(data)  # connection lost: Twisted notices on its own write and closes it
    elif sent < len(data):
        transport.write(data[sent:])  # the kernel's buffer is full: Twisted waits for writability


ANNOUNCED = "websocket frames are written straight to daphne's sockets"


@functools.cache
def _announce() -> None:
    logger.info("%s (signaling.consumers.direct_write, checked against %s)", ANNOUNCED, PINNED)


def writer_for(send: AsgiSend) -> Callable[[Frame], None] | None:
    """A synchronous frame writer for this connection, or None: then use the ASGI ``send``."""
    if not enabled():
        return None
    protocol = _daphne_protocol(send)
    if protocol is None:
        return None
    check_pins()
    writer = DaphneWriter(protocol).write
    _announce()  # once per worker: the live tests look for it in daphne's log
    return writer
