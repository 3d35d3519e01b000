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

It reaches into daphne, autobahn and Twisted internals (``PRIVATE_NAMES``), so it is pinned to
the versions it was checked against (``signaling.adapters.DIRECT_WRITES``): with any other
version installed, or a name gone, ``writer_for`` logs it once and every connection uses the
ordinary ASGI ``send`` instead of guessing. Re-read the code paths named above, then update
the pins there. ``CONVENE_DIRECT_WRITES=0`` switches it off (ASGI ``send`` everywhere).

The same place knows the two ends of one daphne connection that the flood limits need
(signaling.consumers.backpressure): ``Outflow`` — how many bytes wait in Twisted's write
buffer for a client that reads slowly, and a way to wait until they have gone out — and
``watch_arrivals``, which sees each frame as daphne receives it, before daphne queues it for
the application (daphne's queue is unbounded).
"""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from signaling import adapters

logger = logging.getLogger("convene.signaling")

# Checked against: daphne.server.Server.handle_reply / daphne.ws_protocol.WebSocketProtocol,
# autobahn.websocket.protocol.PreparedMessage / WebSocketProtocol.sendPreparedMessage,
# twisted.internet.abstract.FileDescriptor.write / doWrite, twisted.internet.tcp.Connection,
# channels.sessions.InstanceSessionWrapper.send (the wrapper between the consumer and daphne).
# What a daphne websocket protocol instance must have for DaphneWriter (checked per connection too).
PROTOCOL_NAMES = ("state", "send_queue", "_perMessageCompress", "transport", "sendPreparedMessage",
                  "maxMessagePayloadSize", "logOctets", "logFrames", "serverSend")
# Every private name this module relies on, and the code that must still use it
# (signaling.adapters checks them with the pins above; a mismatch means the ASGI send).
# By name ("module:qualified.name"), resolved when a daphne connection first asks (``writer_for``).
# daphne's own ``Server.handle_reply`` is recognised per connection (``_daphne_protocol``: anything
# else means the ASGI send) rather than here, as importing daphne.server installs Twisted's reactor.
_AUTOBAHN = "autobahn.websocket.protocol:WebSocketProtocol"
PRIVATE_NAMES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    ("channels.sessions:InstanceSessionWrapper.send", ("real_send",)),
    (f"{_AUTOBAHN}._connectionMade", ("state", "send_queue", "_perMessageCompress")),
    (_AUTOBAHN, ("STATE_OPEN", "STATE_CONNECTING", "sendPreparedMessage", "sendClose", "onMessage")),
    (f"{_AUTOBAHN}.CONFIG_ATTRS_COMMON", ("maxMessagePayloadSize", "logOctets", "logFrames", "closeHandshakeTimeout")),
    ("autobahn.websocket.protocol:PreparedMessage.__init__", ("payload", "payloadHybi")),
    ("twisted.internet.abstract:FileDescriptor.write", ("_tempDataLen", "_tempDataBuffer")),
    ("twisted.internet.abstract:FileDescriptor.doWrite", ("_tempDataLen", "dataBuffer", "offset")),
    ("twisted.internet.tcp:Connection", ("writeSomeData", "connected", "disconnecting", "registerProducer",
                                         "unregisterProducer")),
)

AsgiSend = Callable[[dict[str, Any]], Awaitable[None]]


class UnpinnedVersion(RuntimeError):
    """A daphne connection lacks what this adapter was checked against (see ``PROTOCOL_NAMES``)."""


def enabled() -> bool:
    return os.environ.get("CONVENE_DIRECT_WRITES", "1") != "0"


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


def daphne_protocol(send: Any) -> Any | None:
    """The daphne WebSocketProtocol behind an ASGI ``send`` (None: not daphne, e.g. tests' communicator)."""
    return _daphne_protocol(send)


Admit = Callable[[int], bool]  # may a frame of this many bytes be queued? (False: it is dropped)


class DaphneWriter:
    """Writes frames straight to one daphne websocket's socket (see the module's docstring).

    ``admit`` (signaling.consumers.backpressure) is asked before each frame: a client that
    does not read gets no more than its bound queued for it.
    """

    __slots__ = ("protocol", "admit", "_open", "_connecting")

    def __init__(self, protocol: Any, admit: Admit | None = None) -> None:
        from autobahn.websocket.protocol import WebSocketProtocol

        self.protocol = protocol
        self.admit = admit
        self._open, self._connecting = WebSocketProtocol.STATE_OPEN, WebSocketProtocol.STATE_CONNECTING
        for name in PROTOCOL_NAMES:
            if not hasattr(protocol, name):
                raise UnpinnedVersion(f"daphne's websocket protocol has no {name!r}: internals changed")

    def write(self, frame: Frame) -> None:
        proto = self.protocol
        if proto.state != self._open:
            if proto.state == self._connecting:
                proto.serverSend(frame.text, False)  # daphne's own path (it completes the handshake)
            return  # closing or closed: nobody will read it (daphne's path drops it too)
        prepared = frame.prepared
        if self.admit is not None and not self.admit(len(prepared.payloadHybi)):
            return  # a slow reader: dropped (and its connection closing)
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
    logger.info("%s (signaling.consumers.direct_write, checked against %s)", ANNOUNCED,
                dict(adapters.DIRECT_WRITES.pins))


def writer_for(send: AsgiSend, admit: Admit | None = None) -> Callable[[Frame], None] | None:
    """A synchronous frame writer for this connection, or None: then use the ASGI ``send``
    (also when the adapter no longer fits the installed daphne/autobahn/Twisted: logged once)."""
    if not enabled():
        return None
    protocol = _daphne_protocol(send)
    if protocol is None or not adapters.usable(adapters.DIRECT_WRITES):
        return None
    try:
        writer = DaphneWriter(protocol, admit).write
    except UnpinnedVersion as exc:  # this connection's protocol lacks a name the class check cannot see
        _fell_back(str(exc))
        return None
    _announce()  # once per worker: the live tests look for it in daphne's log
    return writer


@functools.cache
def _fell_back(reason: str) -> None:
    logger.error("direct writes are off for connections like this one (%s): frames go through the ASGI send", reason)


# ---- the flood limits' view of one connection (signaling.consumers.backpressure) ---------------

def queued_bytes(protocol: Any) -> int | None:
    """Bytes written to this connection that the kernel has not taken yet; None if unknown.

    Twisted's ``FileDescriptor`` holds them in ``dataBuffer`` (from ``offset`` on) and in
    ``_tempDataBuffer`` (``_tempDataLen`` bytes); under TLS the protocol's transport wraps the
    TCP one (``.transport``), which holds the ciphertext. autobahn's own ``send_queue`` is only
    used for chopped writes (never by daphne), counted all the same.
    """
    transport = getattr(protocol, "transport", None)
    for candidate in (transport, getattr(transport, "transport", None)):
        try:
            queued = len(candidate.dataBuffer) - candidate.offset + candidate._tempDataLen
        except (AttributeError, TypeError):
            continue
        return queued + sum(len(item[0]) for item in getattr(protocol, "send_queue", ()))
    return None


class _Pauses:
    """Fallback when the transport does not show its buffer: Twisted's public producer API.

    Registered as the transport's streaming producer, it is told when the write buffer goes
    over the transport's ``bufferSize`` (``pauseProducing``) and when it has emptied
    (``resumeProducing``); what we write meanwhile is counted, so ``queued`` is an upper bound.
    daphne leaves the HTTP channel that upgraded the connection registered: it is kept and
    told everything, as before.
    """

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.previous = getattr(transport, "producer", None)
        self.paused = False
        self.written = 0
        if self.previous is not None:
            transport.unregisterProducer()
        transport.registerProducer(self, True)

    @property
    def queued(self) -> int:
        return int(getattr(self.transport, "bufferSize", 65536)) + self.written if self.paused else 0

    def pauseProducing(self) -> None:  # noqa: N802 — Twisted's name
        self.paused, self.written = True, 0
        if self.previous is not None:
            self.previous.pauseProducing()

    def resumeProducing(self) -> None:  # noqa: N802
        self.paused, self.written = False, 0
        if self.previous is not None:
            self.previous.resumeProducing()

    def stopProducing(self) -> None:  # noqa: N802
        self.paused = False
        if self.previous is not None:
            self.previous.stopProducing()


DRAINED_BYTES = 64 * 1024  # "drained": no more than this waits (Twisted's own bufferSize)


class Outflow:
    """What waits to go out on one daphne connection, and a way to wait until it has gone."""

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self._pauses: _Pauses | None = None
        self.visible = queued_bytes(protocol) is not None
        if not self.visible:
            try:
                self._pauses = _Pauses(protocol.transport)
            except Exception:  # noqa: BLE001 — no producer API either: no bound, said once
                _blind()

    def queued(self) -> int:
        if self.visible:
            return queued_bytes(self.protocol) or 0
        return self._pauses.queued if self._pauses is not None else 0

    def wrote(self, size: int) -> None:
        """``size`` more bytes were handed to the transport (counted only by the fallback)."""
        if self._pauses is not None and self._pauses.paused:
            self._pauses.written += size

    def is_open(self) -> bool:
        from autobahn.websocket.protocol import WebSocketProtocol

        return getattr(self.protocol, "state", None) == WebSocketProtocol.STATE_OPEN

    def close(self, code: int, reason: str, linger_s: float) -> None:
        """Send the close frame (behind what is queued); drop the TCP connection if the client has
        not answered it within ``linger_s`` (autobahn's close handshake timeout, this connection only)."""
        if not self.is_open():
            return
        self.protocol.closeHandshakeTimeout = linger_s
        self.protocol.sendClose(code=int(code), reason=reason)


@functools.cache
def _blind() -> None:
    logger.warning("the transport shows no write buffer and takes no producer: "
                   "slow readers are not bounded on this worker (signaling.consumers.direct_write.Outflow)")


Arrival = Callable[[bytes, bool], bool]  # (payload, is_binary) → queue it for the application?


def watch_arrivals(protocol: Any, arrived: Arrival) -> bool:
    """Call ``arrived`` for every message daphne receives on this connection, as it arrives;
    a message it returns False for is dropped instead of queued for the application.

    autobahn calls ``onMessage`` (daphne's: it puts the message on the application's queue);
    this connection's own attribute comes first. False if there is no such hook.
    """
    queue_it = getattr(protocol, "onMessage", None)
    if queue_it is None:
        return False

    def on_message(payload: bytes, is_binary: bool) -> None:
        if arrived(payload, is_binary):
            queue_it(payload, is_binary)

    protocol.onMessage = on_message
    return True
