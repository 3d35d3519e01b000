"""The C send path (signaling/media/_wire.c) against the Python one it replaces:
the same RTP packets, protected by the same libsrtp session, on a real socket,
and nothing lost or reordered when the kernel's buffer is full."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from aiortc.rtcdtlstransport import State
from aiortc.rtcrtpparameters import RTCRtcpParameters, RTCRtpCodecParameters, RTCRtpSendParameters
from pylibsrtp import Policy, Session

from signaling.media import lane, wire
from signaling.media.forwarding import KEYFRAME_INTERVAL, Publication, SlotTrack, StreamState
from signaling.media.passthrough import VP8_PACKET_MAX, EncodedFrame
from signaling.media.sendpath import RECHECK_FRAMES, FastSender

pytestmark = pytest.mark.skipif(wire.send_frame is None, reason="signaling.media._wire is not built (make setup)")

KEY = bytes(range(30))  # SRTP master key + salt
FIXED = struct.pack("!II", 123456, 0xCAFE) + bytes.fromhex("bede0001") + bytes.fromhex("32abcdef")  # ts, ssrc, abs-send-time


def sessions() -> tuple[Session, Session]:
    tx = Session(Policy(key=KEY, ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    rx = Session(Policy(key=KEY, ssrc_type=Policy.SSRC_ANY_INBOUND))
    return tx, rx


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
    result = wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, wire.srtp_context(tx), 0x90, 96, 0xFFFE, FIXED, 0x1234, chunks, history)
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
    wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, wire.srtp_context(tx), 0x90, 111, 7, FIXED, -1, [opus], history)
    assert rx.unprotect(receiver.recv(2048)) == struct.pack("!BBH", 0x90, 0x80 | 111, 7) + FIXED + opus


@pytest.fixture
def full_queue() -> Iterator[tuple[socket.socket, bytes, socket.socket]]:
    """(non-blocking sender, the receiver's packed address, a receiver nobody reads): its queue
    fills up and the sender gets EAGAIN, which loopback UDP never gives."""
    path = f"\0convene-wire-{os.getpid()}-{time.monotonic_ns()}"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender.setblocking(False)
    yield sender, struct.pack("=H", socket.AF_UNIX) + path.encode(), receiver
    sender.close()
    receiver.close()


def sequence_numbers(receiver: socket.socket, rx: Session, handed_back: list[bytes]) -> list[int]:
    """What got through, then what came back, unprotected: their RTP sequence numbers."""
    packets = []
    receiver.setblocking(False)
    while True:
        try:
            packets.append(receiver.recv(2048))
        except BlockingIOError:
            break
    return [struct.unpack_from("!H", rx.unprotect(p), 2)[0] for p in packets + handed_back]


def test_full_kernel_buffer_hands_back_the_rest_in_order(full_queue: tuple[socket.socket, bytes, socket.socket]) -> None:
    """EAGAIN mid-frame: the unsent packets come back protected, for asyncio to queue."""
    sender, sockaddr, receiver = full_queue
    tx, rx = sessions()
    history: list[bytes | None] = [None] * 128
    chunks = EncodedFrame(os.urandom(2500), 0, False, 90000, 0.0).chunks(VP8_PACKET_MAX - 4)
    seq, leftovers, frames = 0, None, 0
    while leftovers is None and frames < 5000:
        seq, _, _, leftovers = wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, wire.srtp_context(tx), 0x90, 96, seq, FIXED, 1, chunks, history)
        frames += 1
    assert leftovers, "the receiver's queue never filled"
    seqs = sequence_numbers(receiver, rx, leftovers)
    assert seqs == list(range(len(seqs)))  # nothing lost, nothing twice, in order
    assert seq == len(seqs)


def test_oversized_packet_is_refused_not_truncated(udp: tuple[socket.socket, socket.socket]) -> None:
    sender, receiver = udp
    tx, _ = sessions()
    sockaddr = wire.packed_sockaddr(socket.AF_INET, receiver.getsockname())
    with pytest.raises(ValueError, match="over 1500"):
        wire.send_frame(sender.fileno(), sockaddr, wire.SRTP_PROTECT, wire.srtp_context(tx), 0x90, 96, 0, FIXED, 1, [bytes(1600)], [None] * 128)


def test_sockaddr_for_ipv4_and_ipv6_but_not_scoped_or_names() -> None:
    v4 = wire.packed_sockaddr(socket.AF_INET, ("127.0.0.1", 5004))
    assert v4 is not None and len(v4) == 16 and v4[2:4] == (5004).to_bytes(2, "big")
    v6 = wire.packed_sockaddr(socket.AF_INET6, ("::1", 5004))
    assert v6 is not None and len(v6) == 28
    assert wire.packed_sockaddr(socket.AF_INET6, ("fe80::1%eth0", 5004)) is None  # Python path
    assert wire.packed_sockaddr(socket.AF_INET, ("media.example", 5004)) is None


class _Quiet(asyncio.DatagramProtocol):
    def error_received(self, exc: Exception) -> None:  # sends on a closed socket: expected here
        pass


async def fast_sender(receiver: socket.socket) -> tuple[FastSender, asyncio.DatagramTransport]:
    """A FastSender on a real asyncio UDP transport, with just enough of aiortc around it."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_Quiet, local_addr=("127.0.0.1", 0))
    pair = SimpleNamespace(protocol=SimpleNamespace(transport=transport), remote_addr=receiver.getsockname())
    ice = SimpleNamespace(_connection=SimpleNamespace(_nominated={1: pair}))
    tx, _ = sessions()
    dtls = SimpleNamespace(_state=State.CONNECTED, transport=ice, _tx_srtp=tx)
    dtls.__dict__.update({"_RTCDtlsTransport__tx_bytes": 0, "_RTCDtlsTransport__tx_packets": 0})
    sender = SimpleNamespace(transport=dtls, _ssrc=1, _rtx_ssrc=2, _enabled=True)
    vp8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
    parameters = RTCRtpSendParameters(codecs=[vp8], muxId="0", rtcp=RTCRtcpParameters(cname="c"))
    return FastSender(sender, parameters, None), transport  # type: ignore[arg-type]


def drain(receiver: socket.socket) -> list[tuple[str, int]]:
    sources = []
    receiver.setblocking(False)
    while True:
        try:
            sources.append(receiver.recvfrom(2048)[1])
        except BlockingIOError:
            return sources


@pytest.mark.asyncio
async def test_steady_c_path_never_writes_to_a_reused_socket_number(udp: tuple[socket.socket, socket.socket]) -> None:
    """Between its re-checks the C path skips per-frame checks: once aiortc closes
    the ICE socket, a new socket (a database connection, another peer) may get its
    fd number; frames must still go only to the old peer, then stop."""
    _, receiver = udp
    fast, transport = await fast_sender(receiver)
    frames = [EncodedFrame(os.urandom(2000), i * 3000, i == 0, 90000, 0.0) for i in range(3 * RECHECK_FRAMES)]
    old_port = transport.get_extra_info("sockname")[1]
    for frame in frames[:3]:
        fast.send(frame, frame.timestamp)
    assert set(drain(receiver)) == {("127.0.0.1", old_port)}
    transport.close()
    await asyncio.sleep(0)  # asyncio closes the socket: its fd number is free
    newcomer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # likely takes that number
    newcomer.bind(("127.0.0.1", 0))
    for frame in frames[3:]:
        fast.send(frame, frame.timestamp)
    late = drain(receiver)
    assert set(late) <= {("127.0.0.1", old_port)}  # never from the newcomer's socket
    assert len(late) <= 2 * RECHECK_FRAMES  # at most until the next re-check (2 packets a frame)
    fast.close()
    newcomer.close()


def test_fan_out_sends_each_stream_its_own_packets(udp: tuple[socket.socket, socket.socket]) -> None:
    """The lane's one C call: per stream its own SSRC, sequence, picture id and rebased timestamp."""
    sender, receiver = udp
    tx, rx = sessions()
    sockaddr = wire.packed_sockaddr(socket.AF_INET, receiver.getsockname())
    extensions = bytes.fromhex("bede0001") + bytes.fromhex("32000000")  # abs-send-time zeroed at 5
    streams = []
    for ssrc, seq in ((0xCAFE, 0xFFFF), (0xBEEF, 100)):
        stream = wire.Stream(sender.fileno(), sockaddr, wire.srtp_context(tx), 0x90, 96, ssrc, extensions, 5, True, [None] * 128, object())
        stream.seq, stream.picture_id, stream.offset = seq, 0x1234, 123456 - 3000 if ssrc == 0xCAFE else 7
        streams.append(stream)
    chunks = EncodedFrame(os.urandom(3000), 0, True, 90000, 0.0).chunks(VP8_PACKET_MAX - 4)
    before = time.perf_counter()
    blocked, probe_done = wire.fan_out(streams, chunks, 3000, bytes.fromhex("abcdef"), wire.SRTP_PROTECT, 1)
    assert blocked is None and before < probe_done < time.perf_counter()  # the probed stream's send time
    got = [rx.unprotect(receiver.recv(2048)) for _ in range(2 * len(chunks))]
    assert got[: len(chunks)] == python_packets(0xFFFF, 0x1234, chunks)  # FIXED: ts 123456, ssrc 0xCAFE
    other = got[len(chunks) :]
    assert [struct.unpack_from("!HII", p, 2) for p in other] == [(100 + i, 3007, 0xBEEF) for i in range(len(chunks))]
    first, second = streams
    assert (first.seq, first.picture_id, first.last_rtp_timestamp) == ((0xFFFF + len(chunks)) & 0xFFFF, 0x1235, 123456)
    assert first.packets == len(chunks) and first.octets == sum(len(c) + 4 for c in chunks)
    assert first.history[0xFFFF % 128] == got[0]  # kept for NACKs, per stream
    assert second.last_frame_ts == 3000


def test_fan_out_marks_a_full_socket_and_hands_back_its_rest(full_queue: tuple[socket.socket, bytes, socket.socket]) -> None:
    sender, sockaddr, receiver = full_queue
    tx, rx = sessions()
    stream = wire.Stream(sender.fileno(), sockaddr, wire.srtp_context(tx), 0x80, 96, 1, b"", -1, True, [None] * 128, object())
    chunks = EncodedFrame(os.urandom(2500), 0, False, 90000, 0.0).chunks(VP8_PACKET_MAX - 4)
    blocked, frames = None, 0
    while blocked is None and frames < 5000:
        blocked, _ = wire.fan_out([stream], chunks, frames * 3000, b"\0\0\0", wire.SRTP_PROTECT, 0)
        frames += 1
    assert blocked and blocked[0][0] is stream and stream.blocked
    assert wire.fan_out([stream], chunks, 0, b"\0\0\0", wire.SRTP_PROTECT, 0)[0] is None  # skipped once blocked
    seqs = sequence_numbers(receiver, rx, blocked[0][1])
    assert seqs == list(range(len(seqs))) and stream.seq == len(seqs)


def subscribed(fast: FastSender, send_pli: Callable[[], None] = lambda: None) -> tuple[Publication, SlotTrack]:
    """A video publication with one subscriber's slot, sending through ``fast``."""
    pub = Publication("p", "p", "video", "camera", "0", send_pli=send_pli)
    slot = SlotTrack("video")
    slot.sink = fast
    slot.attach(pub)
    return pub, slot


def video_frames(count: int) -> list[EncodedFrame]:
    """30 fps, two packets each, a keyframe first."""
    return [EncodedFrame(os.urandom(2000), i * 3000, i == 0, 90000, 0.0) for i in range(count)]


def settled_in_lane(pub: Publication, slot: SlotTrack, frames: list[EncodedFrame]) -> None:
    for frame in frames:
        pub.deliver(frame)
    assert slot in pub.lane  # steady: admitted at a re-check


@pytest.mark.asyncio
async def test_lane_never_writes_to_a_reused_socket_number_and_lets_go(udp: tuple[socket.socket, socket.socket]) -> None:
    """The same guarantee as above, through a publication's fan-out lane."""
    _, receiver = udp
    fast, transport = await fast_sender(receiver)
    pub, slot = subscribed(fast)
    frames = video_frames(6 * RECHECK_FRAMES)
    settled_in_lane(pub, slot, frames[: 2 * RECHECK_FRAMES])
    old_port = transport.get_extra_info("sockname")[1]
    assert set(drain(receiver)) == {("127.0.0.1", old_port)}
    transport.close()
    await asyncio.sleep(0)
    newcomer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    newcomer.bind(("127.0.0.1", 0))
    for frame in frames[2 * RECHECK_FRAMES :]:
        pub.deliver(frame)
    late = drain(receiver)
    assert set(late) <= {("127.0.0.1", old_port)} and len(late) <= 2 * RECHECK_FRAMES
    assert slot not in pub.lane  # the re-check saw the closed socket
    pub.close()
    newcomer.close()


@pytest.mark.asyncio
async def test_sender_queues_what_the_kernel_refused_then_rechecks(
    udp: tuple[socket.socket, socket.socket], full_queue: tuple[socket.socket, bytes, socket.socket]
) -> None:
    """A subscriber's socket is full mid-frame: the rest goes to asyncio's queue, in order,
    and the next frame takes the checked path (asyncio's queue must drain first)."""
    fast, transport = await fast_sender(udp[1])
    sender, sockaddr, receiver = full_queue
    queued: list[bytes] = []
    asyncio_side = SimpleNamespace(sendto=lambda packet, addr: queued.append(packet))
    session = fast._sender.transport._tx_srtp  # type: ignore[attr-defined]
    fast._steady = wire.NativeWire(sender.fileno(), sockaddr, wire.srtp_context(session), asyncio_side, ("peer", 1))
    frame_no = 0
    while not queued and frame_no < 5000:
        fast._recheck_in = RECHECK_FRAMES  # stay on the steady C path until the kernel refuses
        fast.send(EncodedFrame(os.urandom(2500), frame_no * 3000, False, 90000, 0.0), frame_no * 3000)
        frame_no += 1
    assert queued and fast._steady is None
    seqs = sequence_numbers(receiver, sessions()[1], queued)
    first = seqs[0]
    assert seqs == [(first + i) & 0xFFFF for i in range(len(seqs))]  # nothing lost, in order
    fast.close()
    transport.close()


@pytest.mark.asyncio
async def test_lane_member_whose_socket_is_full_leaves_with_its_state(
    udp: tuple[socket.socket, socket.socket], full_queue: tuple[socket.socket, bytes, socket.socket]
) -> None:
    fast, transport = await fast_sender(udp[1])
    sender, sockaddr, receiver = full_queue
    queued: list[bytes] = []
    asyncio_side = SimpleNamespace(sendto=lambda packet, addr: queued.append(packet))
    session = fast._sender.transport._tx_srtp  # type: ignore[attr-defined]
    pub, slot = subscribed(fast)
    pub.deliver(EncodedFrame(os.urandom(2500), 0, True, 90000, 0.0))  # started on a keyframe
    fast._steady = wire.NativeWire(sender.fileno(), sockaddr, wire.srtp_context(session), asyncio_side, ("peer", 1))
    fast._recheck_in = RECHECK_FRAMES
    pub.lane._admit(slot)
    assert slot in pub.lane
    sent_before = fast._seq
    frame_no = 1
    while not queued and frame_no < 5000:
        pub.lane._until_check = RECHECK_FRAMES  # no re-check: only the full socket may take it out
        pub.deliver(EncodedFrame(os.urandom(2500), frame_no * 3000, False, 90000, 0.0))
        frame_no += 1
    assert queued and slot not in pub.lane
    seqs = sequence_numbers(receiver, sessions()[1], queued)
    assert seqs == [(sent_before + i) & 0xFFFF for i in range(len(seqs))]  # nothing lost, in order
    assert fast._seq == (sent_before + len(seqs)) & 0xFFFF  # its state came back with it
    assert slot._last_out == (frame_no - 1) * 3000  # so a later switch rebases after it
    pub.close()
    fast.close()
    transport.close()


@pytest.mark.asyncio
async def test_a_failing_lane_hands_everyone_back_to_restart_at_a_keyframe(
    udp: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, transport = await fast_sender(udp[1])
    plis: list[int] = []
    pub, slot = subscribed(fast, lambda: plis.append(1))
    frames = video_frames(3 * RECHECK_FRAMES)
    settled_in_lane(pub, slot, frames[: 2 * RECHECK_FRAMES])
    plis.clear()

    def broken(*args: object) -> None:
        raise RuntimeError("srtp_protect failed (status 9)")

    monkeypatch.setattr(lane, "fan_out", broken)
    pub.deliver(frames[2 * RECHECK_FRAMES])  # must not raise into the publisher's receive path
    assert slot not in pub.lane and not pub.lane.enabled
    assert slot.sink is fast and slot.state is StreamState.AWAITING_KEYFRAME  # back on its own path, waiting for a keyframe
    async with asyncio.timeout(KEYFRAME_INTERVAL + 1):
        while not plis:  # and asking for one (throttled: at most one per interval)
            await asyncio.sleep(0.02)
    pub.close()
    fast.close()
    transport.close()


@pytest.mark.asyncio
async def test_leaving_the_lane_on_a_move_keeps_the_sender_report_clock(udp: tuple[socket.socket, socket.socket]) -> None:
    """A move takes a member out between frames: the counters it hands back to aiortc's
    sender reports carry the last frame's NTP time, not none."""
    fast, transport = await fast_sender(udp[1])
    pub, slot = subscribed(fast)
    frames = video_frames(2 * RECHECK_FRAMES + 1)
    settled_in_lane(pub, slot, frames[: 2 * RECHECK_FRAMES])
    pub.deliver(frames[-1])  # sent by the lane, not yet handed back
    slot.detach()  # a move
    report = fast._sender.__dict__  # type: ignore[attr-defined]
    assert report["_RTCRtpSender__packet_count"] == fast.packets > 0
    assert report["_RTCRtpSender__ntp_timestamp"] == frames[-1].send_clock[0]  # type: ignore[index]
    pub.close()
    fast.close()
    transport.close()
