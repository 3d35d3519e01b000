"""Frames written straight to daphne's sockets (signaling.consumers.direct_write): the order on
the wire, the fall-backs, and a connection missing what the writer needs refused (the adapter's
version and name checks, and the ASGI send they fall back to: tests/architecture/test_adapters.py)."""
from __future__ import annotations

import functools
from typing import Any

import pytest
from autobahn.websocket.protocol import WebSocketProtocol

from signaling.consumers import direct_write
from signaling.consumers.direct_write import DaphneWriter, Frame, UnpinnedVersion


class Transport:
    """The parts of twisted.internet.tcp.Connection the writer touches."""

    def __init__(self, accepts: int | None = None) -> None:
        self.connected, self.disconnecting = True, False
        self.dataBuffer, self.offset, self._tempDataLen = b"", 0, 0
        self.accepts = accepts  # bytes the kernel takes per send(); None: everything
        self.sent: list[bytes] = []  # send() system calls
        self.queued: list[bytes] = []  # Twisted's write(): buffered, sent when writable

    def writeSomeData(self, data: bytes) -> int:  # noqa: N802 — Twisted's name
        taken = data if self.accepts is None else data[:self.accepts]
        self.sent.append(bytes(taken))
        return len(taken)

    def write(self, data: bytes) -> None:
        self.queued.append(bytes(data))
        self._tempDataLen += len(data)


class Protocol:
    """The parts of daphne's WebSocketProtocol (autobahn) the writer touches."""

    def __init__(self, transport: Any) -> None:
        self.state = WebSocketProtocol.STATE_OPEN
        self.send_queue: list[Any] = []
        self._perMessageCompress = None
        self.transport = transport
        self.maxMessagePayloadSize = 1 << 20
        self.logOctets = self.logFrames = False
        self.prepared: list[Any] = []
        self.server_sends: list[str] = []

    def sendPreparedMessage(self, prepared: Any) -> None:  # noqa: N802 — autobahn's name
        self.prepared.append(prepared)

    def serverSend(self, content: str, binary: bool = False) -> None:  # noqa: N802 — daphne's name
        self.server_sends.append(content)


def _frame(text: str) -> bytes:
    return Frame(text).prepared.payloadHybi


def test_an_idle_socket_gets_the_frame_in_one_send() -> None:
    transport = Transport()
    DaphneWriter(Protocol(transport)).write(Frame("hello"))
    assert transport.sent == [b"\x81\x05hello"] and transport.queued == []


def test_what_the_kernel_does_not_take_is_queued_in_order() -> None:
    transport = Transport(accepts=3)
    writer = DaphneWriter(Protocol(transport))
    writer.write(Frame("hello"))
    writer.write(Frame("again"))  # something is queued now: behind it, not ahead
    assert transport.sent == [b"\x81\x05h"]
    assert transport.queued == [b"ello", _frame("again")]


def test_a_long_frame_is_framed_once_with_its_length() -> None:
    text = "x" * 70_000
    frame = Frame(text)
    assert frame.prepared is frame.prepared
    assert _frame(text)[:10] == b"\x81\x7f" + (70_000).to_bytes(8, "big")


def test_closing_connections_are_skipped_and_connecting_ones_use_daphne() -> None:
    protocol = Protocol(Transport())
    protocol.state = WebSocketProtocol.STATE_CLOSING
    DaphneWriter(protocol).write(Frame("late"))
    protocol.state = WebSocketProtocol.STATE_CONNECTING
    DaphneWriter(protocol).write(Frame("early"))
    assert protocol.transport.sent == [] and protocol.server_sends == ["early"]


@pytest.mark.parametrize("unusual", ["compression", "autobahn_queue", "logging", "too_big"])
def test_unusual_connections_take_autobahns_own_path(unusual: str) -> None:
    protocol = Protocol(Transport())
    if unusual == "compression":
        protocol._perMessageCompress = object()
    elif unusual == "autobahn_queue":
        protocol.send_queue.append((b"x", True))
    elif unusual == "logging":
        protocol.logFrames = True
    else:
        protocol.maxMessagePayloadSize = 3
    DaphneWriter(protocol).write(Frame("hello"))
    assert protocol.transport.sent == [] and len(protocol.prepared) == 1


def test_a_transport_that_is_not_plain_tcp_gets_twisteds_write() -> None:
    class TLS:
        def __init__(self) -> None:
            self.written: list[bytes] = []

        def write(self, data: bytes) -> None:
            self.written.append(data)

    tls = TLS()
    DaphneWriter(Protocol(tls)).write(Frame("hi"))
    assert tls.written == [b"\x81\x02hi"]


def test_a_lost_connection_is_left_to_twisted() -> None:
    transport = Transport()
    transport.writeSomeData = lambda data: ConnectionError("lost")  # type: ignore[method-assign]
    DaphneWriter(Protocol(transport)).write(Frame("hi"))
    assert transport.queued == [b"\x81\x02hi"]


def test_daphnes_protocol_is_found_behind_the_session_middleware() -> None:
    import daphne.server
    from channels.sessions import InstanceSessionWrapper

    protocol = object()
    server = daphne.server.Server.__new__(daphne.server.Server)
    send = functools.partial(server.handle_reply, protocol)
    wrapper = InstanceSessionWrapper.__new__(InstanceSessionWrapper)
    wrapper.real_send = send
    assert direct_write._daphne_protocol(send) is protocol
    assert direct_write._daphne_protocol(wrapper.send) is protocol
    assert direct_write._daphne_protocol(lambda message: None) is None  # tests' communicator: ASGI send


def test_a_protocol_missing_what_the_writer_needs_is_refused() -> None:
    protocol = Protocol(Transport())
    del protocol.send_queue
    with pytest.raises(UnpinnedVersion, match="send_queue"):
        DaphneWriter(protocol)


def test_it_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVENE_DIRECT_WRITES", "0")
    assert direct_write.writer_for(lambda message: None) is None
