"""The C send path (signaling/media/_wire.c) against the Python one it replaces:
the same RTP packets, protected by the same libsrtp session, on a real socket,
and nothing lost or reordered when the kernel's buffer is full."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator

import pytest
from pylibsrtp import Policy, Session

from signaling.media import wire
from signaling.media.passthrough import VP8_PACKET_MAX, EncodedFrame

pytestmark = pytest.mark.skipif(wire.send_frame is None, reason="signaling.media._wire is not built (make setup)")

KEY = bytes(range(30))  # SRTP master key + salt
FIXED = struct.pack("!II", 123456, 0xCAFE) + bytes.fromhex("bede0001") + bytes.fromhex("32abcdef")  # ts, ssrc, abs-send-time


def sessions() -> tuple[Session, Session]:
    tx = Session(Policy(key=KEY, ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    rx = Session(Policy(key=KEY, ssrc_type=Policy.SSRC_ANY_INBOUND))
    return tx, rx


def ctx(session: Session) -> int:
    from pylibsrtp._binding import ffi

    return int(ffi.cast("uintptr_t", session._srtp[0]))


def python_packets(seq: int, picture_id: int, chunks: list[bytes]) -> list[bytes]:
    """What FastSender._send_python builds for the same frame (marker on the last)."""
    tail = bytes((0x80, 0x80 | picture_id >> 8, picture_id & 0xFF))
    out = []
    for i, chunk in enumerate(chunks):
        marker = 0x80 if i == len(chunks) - 1 else 0
        descriptor = (b"\x90" if i == 0 else b"\x80") + tail
        out.append(struct.pack("!BBH", 0x90, marker | 96, (seq + i) & 0xFFFF) + FIXED + descriptor + chunk)
    return out


@pytest.fixture
def udp() -> Iterator[tuple[socket.socket, socket.socket]]:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setblocking(False)
    yield sender, receiver
    sender.close()
    receiver.close()


def test_c_path_sends_exactly_the_python_packets_protected(udp: tuple[socket.socket, socket.socket]) -> None:
    sender, receiver = udp
    tx, rx = sessions()
    frame = EncodedFrame(os.urandom(3000), 0, True, 90000, 0.0)
    chunks = frame.chunks(VP8_PACKET_MAX - 4)
    history: list[bytes | None] = [None] * 128
    sockaddr = wire.packed_sockaddr(socket.AF_INET, receiver.getsockname())
    assert sockaddr is not None
    result = wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, ctx(tx), 0x90, 96, 0xFFFE, FIXED, 0x1234, chunks, history)
    next_seq, wire_bytes, octets, leftovers = result
    expected = python_packets(0xFFFE, 0x1234, chunks)
    received = [rx.unprotect(receiver.recv(2048)) for _ in expected]
    assert received == expected  # same header, descriptor, marker; sequence wraps
    assert next_seq == 1 and leftovers is None
    assert [history[0xFFFE % 128], history[0xFFFF % 128], history[0]] == expected  # kept for NACKs
    assert octets == sum(len(p) - 4 - len(FIXED) for p in expected)  # payload incl. descriptor
    assert wire_bytes == sum(len(p) for p in expected) + 10 * len(expected)  # + 80-bit auth tag each


def test_audio_frame_is_one_packet_without_descriptor(udp: tuple[socket.socket, socket.socket]) -> None:
    sender, receiver = udp
    tx, rx = sessions()
    sockaddr = wire.packed_sockaddr(socket.AF_INET, receiver.getsockname())
    history: list[bytes | None] = [None] * 128
    opus = os.urandom(160)
    wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, ctx(tx), 0x90, 111, 7, FIXED, -1, [opus], history)
    assert rx.unprotect(receiver.recv(2048)) == struct.pack("!BBH", 0x90, 0x80 | 111, 7) + FIXED + opus


def test_full_kernel_buffer_hands_back_the_rest_in_order() -> None:
    """EAGAIN mid-frame: the unsent packets come back protected, for asyncio to queue."""
    path = f"\0convene-wire-{os.getpid()}"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)  # never read: its queue fills
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender.setblocking(False)
    sockaddr = struct.pack("=H", socket.AF_UNIX) + path.encode()
    tx, rx = sessions()
    history: list[bytes | None] = [None] * 128
    chunks = EncodedFrame(os.urandom(2500), 0, False, 90000, 0.0).chunks(VP8_PACKET_MAX - 4)
    seq, leftovers, frames = 0, None, 0
    try:
        while leftovers is None and frames < 5000:
            seq, _, _, leftovers = wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, ctx(tx), 0x90, 96, seq, FIXED, 1, chunks, history)
            frames += 1
        assert leftovers, "the receiver's queue never filled"
        delivered = []
        receiver.setblocking(False)
        while True:
            try:
                delivered.append(rx.unprotect(receiver.recv(2048)))
            except BlockingIOError:
                break
        handed_back = [rx.unprotect(p) for p in leftovers]
        seqs = [struct.unpack_from("!H", p, 2)[0] for p in delivered + handed_back]
        assert seqs == list(range(len(seqs)))  # nothing lost, nothing twice, in order
        assert seq == len(seqs)
    finally:
        sender.close()
        receiver.close()


def test_oversized_packet_is_refused_not_truncated(udp: tuple[socket.socket, socket.socket]) -> None:
    sender, receiver = udp
    tx, _ = sessions()
    sockaddr = wire.packed_sockaddr(socket.AF_INET, receiver.getsockname())
    with pytest.raises(ValueError, match="over 1500"):
        wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, ctx(tx), 0x90, 96, 0, FIXED, 1, [bytes(1600)], [None] * 128)


def test_sockaddr_for_ipv4_and_ipv6_but_not_scoped_or_names() -> None:
    v4 = wire.packed_sockaddr(socket.AF_INET, ("127.0.0.1", 5004))
    assert v4 is not None and len(v4) == 16 and v4[2:4] == (5004).to_bytes(2, "big")
    v6 = wire.packed_sockaddr(socket.AF_INET6, ("::1", 5004))
    assert v6 is not None and len(v6) == 28
    assert wire.packed_sockaddr(socket.AF_INET6, ("fe80::1%eth0", 5004)) is None  # Python path
    assert wire.packed_sockaddr(socket.AF_INET, ("media.example", 5004)) is None
