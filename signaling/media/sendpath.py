"""aiortc adapter, sending half: the synchronous forwarding fast path.

Part of the aiortc adapter (see ``passthrough.py``): every private aiortc,
aioice and pylibsrtp internal the *sending* side touches is here, pinned to
aiortc 1.16.0, aioice 0.13.0 and pylibsrtp 1.0.0 and checked by signaling.adapters.

Why: aiortc's own send path costs ~35 us per RTP packet (an ``RtpPacket``
object, two datetime-based NTP clock reads, generic header-extension packing,
three awaits down to the socket) plus one task wake-up per frame per
subscriber (each sender's ``_run_rtp`` loop awaits its track). An SFU sends
the same frame to many subscribers, so here a frame is fanned out
synchronously when it is tapped: for each subscriber this module builds the
packets from bytes (payload chunks computed once per frame, one clock read per
frame), SRTP-protects them with the DTLS transport's tx session and hands them
to the nominated ICE pair's datagram transport -- the same calls aiortc's
``RTCDtlsTransport._send_rtp`` / aioice ``Connection.sendto`` end in, minus
the awaits.

What aiortc's sender loop did and how it is kept:
  * SSRC, payload type, mid and abs-send-time header extensions as negotiated
    (the sender's ``parameters``), marker bit on a frame's last packet, a random
    initial sequence number and timestamp origin; VP8 payload descriptor with a
    15-bit picture id, as aiortc's ``Vp8Encoder`` writes it.
  * NACK: ``_handle_rtcp_packet`` calls ``sender._retransmit(seq)``, shadowed
    here by an instance attribute answering from this module's history (the
    same 128 packets aiortc keeps), RTX-wrapped if RTX was negotiated.
  * RTCP sender reports: aiortc's ``_run_rtcp`` still runs and reads the
    sender's private counters (``__packet_count``, ``__octet_count``,
    ``__ntp_timestamp``, ``__rtp_timestamp``); they are written here per frame.
    The DTLS transport's tx counters (``getStats``) are kept too.
  * The sender's ``_run_rtp`` task still runs but stays parked in its track's
    ``recv()`` (``SlotTrack.recv`` never yields a frame) until the track stops:
    it never sends, never creates an encoder (see ``PassthroughPacker``).
  * SRTP: the DTLS transport's tx ``pylibsrtp.Session`` protects every packet,
    as in ``_send_rtp``, but ``srtp_protect`` is called directly on the
    session's own buffer (``wire._protector``): ``Session.protect`` allocates a
    cffi int and re-checks its argument per packet, a fifth of the protect cost.
  * C: when ``_wire.c`` is built and the ICE pair is a plain UDP socket, a
    frame's packets are built, protected (the same libsrtp function, by
    address) and sent with ``sendto`` in one C call (``wire.py``) on a
    duplicate of the socket; the connection, ICE pair and backlog are then
    re-checked every ``RECHECK_FRAMES`` frames rather than per frame. Once
    steady, the subscriber joins its publication's lane (``lane.py``), which
    sends a frame to all its members in one C call. The Python loop
    (``_send_python``) is the fallback and the reference the tests compare the
    C with. Kernel ``sendto`` and AES/HMAC are then most of what is left.
  * Counters: in the lane, aiortc's sender-report counters are updated at each
    re-check, so a sender report describes the stream as of at most
    ``RECHECK_FRAMES`` frames earlier (its NTP/RTP timestamp pair stays a
    matching pair: lip sync is unaffected).
  * Backpressure: aiortc's per-sender queue bounded the backlog of a slow
    subscriber; here the backlog is the datagram transport's write buffer:
    ``send`` refuses a frame while it exceeds ``MAX_BACKLOG_BYTES`` and the
    slot drops it (and, for video, re-syncs on a keyframe).
"""

from __future__ import annotations

import random
import struct
import time
from collections.abc import Callable
from typing import Any

import aioice
import aioice.ice
from aiortc import RTCRtpSender
from aiortc.codecs import is_rtx
from aiortc.rtcdtlstransport import RTCDtlsTransport, State
from aiortc.rtcicetransport import RTCIceTransport
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.rtp import RTP_HISTORY_SIZE
from pylibsrtp import Session

from .downlink import RetransmitBudget
from .passthrough import VP8_PACKET_MAX, EncodedFrame
from .rtpheader import Extensions, frame_clock
from .wire import NATIVE_ENABLED, SRTP_PROTECT, NativeWire, Stream, Wire, send_frame

PackedSink = Callable[..., None]  # (frame, packets, subscribers[, sent_at]) sent: stats (ForwardStats.on_packed)

# Private names this module reads or writes, and the aiortc/aioice code that
# must still use them for the fast path to stay equivalent to aiortc's loop.
# signaling.adapters (MEDIA) checks PRIVATE_NAMES and the pinned aioice/pylibsrtp
# versions; on a mismatch media is unavailable (chat and pages go on).
_SENDER_STATS = (
    "_RTCRtpSender__ntp_timestamp",
    "_RTCRtpSender__rtp_timestamp",
    "_RTCRtpSender__packet_count",
    "_RTCRtpSender__octet_count",
)
_SENDER_RTT = "_RTCRtpSender__rtt"  # aiortc's smoothed round trip from receiver reports (read only)
_DTLS_TX_BYTES = "_RTCDtlsTransport__tx_bytes"
_DTLS_TX_PACKETS = "_RTCDtlsTransport__tx_packets"
PRIVATE_NAMES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (RTCRtpSender.__init__, _SENDER_STATS + ("_ssrc", "_rtx_ssrc", "_enabled")),
    (RTCRtpSender._run_rtcp, _SENDER_STATS),
    (RTCRtpSender._handle_rtcp_packet, (_SENDER_RTT,)),
    (RTCRtpSender._handle_rtcp_packet, ("_retransmit", "_send_keyframe")),
    (RTCDtlsTransport.__init__, ("_state", "_tx_srtp", _DTLS_TX_BYTES, _DTLS_TX_PACKETS)),
    (RTCIceTransport.__init__, ("_connection",)),
    (aioice.ice.Connection.__init__, ("_nominated",)),
    (aioice.ice.Connection.sendto, ("_nominated", "protocol", "send_data", "remote_addr")),
    (aioice.ice.StunProtocol.send_data, ("transport", "sendto")),
    (Session.__init__, ("_cdata", "_buffer", "_srtp")),
    (Session._Session__process, ("_cdata", "_buffer", "_srtp")),  # type: ignore[attr-defined]
)
RTP_COMPONENT = 1  # aioice component carrying RTP (and, muxed, RTCP)
MAX_BACKLOG_BYTES = 64 * 1024  # datagrams the kernel would not take yet
RECHECK_FRAMES = 8  # the C path re-checks connection, ICE pair and backlog this often
PAD_BYTES = 240  # padding per probe packet (at most 255: one byte counts it)
_HEADER = struct.Struct("!BBH")  # V/P/X/CC, M/PT, sequence number
_TS_SSRC = struct.Struct("!II")
_SEQ = struct.Struct("!H")


class FastSender:
    """Sends one slot's frames as one RTCRtpSender's RTP stream, synchronously."""

    def __init__(
        self, sender: RTCRtpSender, parameters: RTCRtpSendParameters, on_packed: PackedSink | None
    ) -> None:
        codec = parameters.codecs[0]
        self.mime_type = codec.mimeType.lower()
        self._sender = sender
        self.on_packed = on_packed  # the stats sink (the lane reports its members' frames there too)
        assert codec.payloadType is not None  # a negotiated codec always has one
        self._payload_type: int = codec.payloadType
        self._ssrc: int = sender._ssrc
        self._rtx_ssrc: int = sender._rtx_ssrc
        self._rtx_payload_type: int | None = next(
            (c.payloadType for c in parameters.codecs if is_rtx(c) and c.parameters.get("apt") == codec.payloadType),
            None,
        )
        self._extensions = Extensions(parameters, parameters.muxId)
        self._first_byte = 0x90 if self._extensions.block(b"\x00\x00\x00") else 0x80
        self._seq = random_sequence_number()
        self._rtx_seq = random_sequence_number()
        self._timestamp_origin = random.getrandbits(32)
        self._picture_id = 0
        self._history: list[bytes | None] = [None] * RTP_HISTORY_SIZE
        self.packets = 0
        self.octets = 0
        self.retransmissions = 0
        self.resends_refused = 0
        self.budget: RetransmitBudget | None = None  # the subscriber's (shared by its senders)
        # the wire, rebuilt when the DTLS transport, its SRTP session or the ICE pair change
        self._wire_key: tuple[object, ...] = ()
        self._wire_value: Wire | None = None
        self.native = send_frame is not None and NATIVE_ENABLED  # C send path (tests turn it off)
        self._vp8 = self.mime_type == "video/vp8"
        self._steady: NativeWire | None = None  # the C wire while it needs no per-frame checks
        self._recheck_in = 0
        self._stream: Stream | None = None  # while in the publication's lane (lane.py)

    # -- the wire ------------------------------------------------------------
    def _wire(self) -> Wire | None:
        """Where this sender's packets go now, or None if not connected."""
        dtls = self._sender.transport
        if dtls._state is not State.CONNECTED:
            return None
        pair = dtls.transport._connection._nominated.get(RTP_COMPONENT)
        if pair is None:
            return None
        session = dtls._tx_srtp
        key = (dtls, session, pair)
        if key != self._wire_key:
            # StunProtocol.send_data is ``transport.sendto(data, addr)`` (a TurnTransport
            # for relayed candidates): the coroutine only wraps a synchronous call.
            self.close()
            self._wire_key = key
            self._wire_value = Wire.of(session, pair.protocol.transport, pair.remote_addr)
        return self._wire_value

    def close(self) -> None:
        """Forget the wire (and release its socket duplicate): the slot stopped, or the wire changed."""
        self._steady = None
        self._wire_key = ()
        if self._wire_value is not None:
            self._wire_value.close()
            self._wire_value = None

    # -- sending ---------------------------------------------------------------
    def send(self, frame: EncodedFrame, timestamp: int) -> bool:
        """Packetize, protect and send ``frame`` with the slot's rebased ``timestamp``.

        False if the subscriber is backlogged (its socket is not draining, so
        sending more would only add delay): the frame was dropped.
        """
        if not self._sender._enabled:
            return True  # as aiortc: a disabled sender drops frames
        native = self._steady
        if native is None or self._recheck_in <= 0:
            return self._send_checked(frame, timestamp)
        # Steady C path: the wire was checked at most RECHECK_FRAMES frames ago,
        # and its socket is our own dup (safe to write to even once aiortc has
        # closed the original); per frame only what changes per frame is done.
        self._recheck_in -= 1
        ntp, rtp_timestamp, fixed = self._frame_header(frame, timestamp)
        self._finish(frame, *self._send_native(native, frame, fixed), ntp, rtp_timestamp)
        return True

    def _send_checked(self, frame: EncodedFrame, timestamp: int) -> bool:
        """Send after the full checks: connected? backlogged? which path?"""
        self._steady = None
        wire = self._wire()
        if wire is None or wire.closing:
            return True  # not connected (yet / any more): nothing to send on
        backlog = wire.backlog()
        if backlog > MAX_BACKLOG_BYTES:
            return False
        ntp, rtp_timestamp, fixed = self._frame_header(frame, timestamp)
        # asyncio's queue, once it holds anything, must send first (order)
        native = wire.native if backlog == 0 and self.native else None
        if native is not None:
            self._steady, self._recheck_in = native, RECHECK_FRAMES
            packets, octets, sent = self._send_native(native, frame, fixed)
        else:
            packets, octets, sent = self._send_python(wire, frame, fixed)
        self._finish(frame, packets, octets, sent, ntp, rtp_timestamp)
        return True

    def _frame_header(self, frame: EncodedFrame, timestamp: int) -> tuple[int, int, bytes]:
        """(NTP time, RTP timestamp, the header after the sequence number) for ``frame``."""
        ntp, abs_send_time = frame.send_clock or frame_clock(frame)
        rtp_timestamp = (timestamp + self._timestamp_origin) & 0xFFFFFFFF
        return ntp, rtp_timestamp, _TS_SSRC.pack(rtp_timestamp, self._ssrc) + self._extensions.block(abs_send_time)

    def _send_native(self, native: NativeWire, frame: EncodedFrame, fixed: bytes) -> tuple[int, int, int]:
        """The same packets as ``_send_python``, built, protected and sent in C (``_wire.c``)."""
        if self._vp8:
            chunks, picture_id = frame.chunks(VP8_PACKET_MAX - 4), self._next_picture_id()
        else:
            chunks, picture_id = [frame.data], -1
        self._seq, sent, octets, leftovers = send_frame(
            native.fd, native.sockaddr, SRTP_PROTECT, native.ctx, self._first_byte,
            self._payload_type, self._seq, fixed, picture_id, chunks, self._history,
        )  # fmt: skip
        if leftovers:  # the kernel's buffer was full: asyncio queues the rest, and sends first from now on
            self._steady = None
            native.queue(leftovers)
        return len(chunks), octets, sent

    def _send_python(self, wire: Wire, frame: EncodedFrame, fixed: bytes) -> tuple[int, int, int]:
        payloads = self._vp8_payloads(frame) if self.mime_type == "video/vp8" else (frame.data,)
        protect, transport, addr = wire.protect, wire.transport, wire.addr
        first, payload_type, history = self._first_byte, self._payload_type, self._history
        seq, last, size, sent = self._seq, len(payloads) - 1, 0, 0
        for i, payload in enumerate(payloads):
            packet = b"".join((_HEADER.pack(first, payload_type | (0x80 if i == last else 0), seq), fixed, payload))
            history[seq % RTP_HISTORY_SIZE] = packet
            protected = protect(packet)
            transport.sendto(protected, addr)
            sent += len(protected)
            size += len(payload)
            seq = (seq + 1) & 0xFFFF
        self._seq = seq
        return len(payloads), size, sent

    def _next_picture_id(self) -> int:
        # The picture id is per subscriber: it must stay continuous on this
        # stream across source switches.
        pid = self._picture_id
        self._picture_id = (pid + 1) & 0x7FFF
        return pid

    def _vp8_payloads(self, frame: EncodedFrame) -> list[bytes]:
        # RFC 7741 descriptor, X=1 I=1 M=1 (15-bit PictureID) as aiortc's Vp8Encoder
        # writes it.
        pid = self._next_picture_id()
        tail = bytes((0x80, 0x80 | pid >> 8, pid & 0xFF))
        chunks = frame.chunks(VP8_PACKET_MAX - 4)
        head = b"\x90" + tail  # S=1 on the first packet only
        rest = b"\x80" + tail
        return [head + chunks[0]] + [rest + c for c in chunks[1:]]

    def _finish(self, frame: EncodedFrame, packets: int, octets: int, wire_bytes: int, ntp: int, rtp_timestamp: int) -> None:
        self._finish_counters(packets, octets, wire_bytes, ntp, rtp_timestamp)
        if self.on_packed is not None:
            self.on_packed(frame, packets, 1)

    def _finish_counters(self, packets: int, octets: int, wire_bytes: int, ntp: int, rtp_timestamp: int) -> None:
        """Feed the counters aiortc's RTCP loop (sender reports) and getStats read.

        Written through ``__dict__``: setattr with the mangled names costs
        several times more, once per frame per subscriber.
        """
        self.packets += packets
        self.octets += octets
        state = self._sender.__dict__
        state[_SENDER_STATS[0]] = ntp
        state[_SENDER_STATS[1]] = rtp_timestamp
        state[_SENDER_STATS[2]] = self.packets
        state[_SENDER_STATS[3]] = self.octets
        dtls = self._sender.transport.__dict__
        dtls[_DTLS_TX_BYTES] += wire_bytes
        dtls[_DTLS_TX_PACKETS] += packets

    # -- the publication's fan-out lane (lane.py) ----------------------------------
    def enter_lane(self, slot_offset: int) -> Stream | None:
        """This sender's state as a C Stream, if its C path is steady; None keeps it out."""
        native = self._steady
        if native is None or self._recheck_in <= 0 or self.packets == 0:
            return None
        extensions, abs_at = self._extensions.template()
        stream = Stream(
            native.fd, native.sockaddr, native.ctx, self._first_byte, self._payload_type, self._ssrc,
            extensions, abs_at, self._vp8, self._history, native,
        )  # fmt: skip
        stream.seq, stream.picture_id = self._seq, self._picture_id
        stream.offset = slot_offset + self._timestamp_origin
        stream.last_frame_ts = -1  # none sent yet
        self._stream = stream
        return stream

    def lane_check(self, ntp: int) -> bool:
        """Report what the lane sent (sender reports, stats); False: leave the lane."""
        self._flush_lane(ntp)
        stream = self._stream
        if stream is None or stream.blocked or not self._sender._enabled:
            return False
        wire = self._wire()
        return wire is not None and wire.native is stream.wire and wire.backlog() == 0

    def leave_lane(self, ntp: int, leftovers: list[bytes] | None = None) -> int | None:
        """Take the state back; returns the last frame timestamp the lane sent, if any."""
        stream, self._stream = self._stream, None
        if stream is None:
            return None
        last = stream.last_frame_ts if stream.last_frame_ts >= 0 else None
        self._flush_lane(ntp, stream)
        self._seq, self._picture_id, self._steady = stream.seq, stream.picture_id, None
        if leftovers:  # the kernel's buffer was full: asyncio queues the rest
            stream.wire.queue(leftovers)
        return last

    def _flush_lane(self, ntp: int, stream: Stream | None = None) -> None:
        stream = stream or self._stream
        if stream is None or not stream.packets:
            return
        packets, octets, wire_bytes = stream.packets, stream.octets, stream.wire_bytes
        stream.packets = stream.octets = stream.wire_bytes = 0
        self._finish_counters(packets, octets, wire_bytes, ntp, stream.last_rtp_timestamp)

    def round_trip(self) -> float | None:
        """aiortc's round-trip estimate from the subscriber's receiver reports, if any yet."""
        rtt = self._sender.__dict__.get(_SENDER_RTT)
        return rtt if isinstance(rtt, float) else None

    # -- NACK ------------------------------------------------------------------
    def retransmit(self, sequence_number: int) -> bool:
        """Resend a packet a subscriber reported lost (RTX-wrapped if negotiated), if its
        retransmission budget (``downlink.RetransmitBudget``, per subscriber) allows."""
        packet = self._history[sequence_number % RTP_HISTORY_SIZE]
        if packet is None or _SEQ.unpack_from(packet, 2)[0] != sequence_number:
            return False  # too old: overwritten in the history
        budget = self.budget
        if budget is not None and not budget.allow(time.monotonic(), self._ssrc, sequence_number, len(packet)):
            self.resends_refused += 1
            return False
        wire = self._wire()
        if wire is None:
            return False
        if self._rtx_payload_type is not None:
            packet = self._wrap_rtx(packet, self._rtx_payload_type)
        wire.transport.sendto(wire.protect(packet), wire.addr)
        self.retransmissions += 1
        return True

    # -- probing -----------------------------------------------------------------
    def pad(self, size: int) -> int:
        """Send about ``size`` bytes of padding-only RTX packets (RFC 4588 + RFC 3550 padding),
        stamped with abs-send-time: the receiver's estimator counts them, its decoder never
        sees them. Used to learn whether a higher simulcast layer would fit (layers.py) before
        switching to it. Returns the bytes sent (0 without RTX or a connection)."""
        wire = self._wire()
        if wire is None or self._rtx_payload_type is None or size <= 0:
            return 0
        _, abs_send_time = frame_clock(EncodedFrame(b"", 0, False, 90000, 0.0))
        header_tail = _TS_SSRC.pack(self._timestamp_origin, self._rtx_ssrc) + self._extensions.block(abs_send_time)
        sent = 0
        while sent < size:
            padding = bytes(PAD_BYTES - 1) + bytes([PAD_BYTES])  # the last byte counts the padding
            seq, self._rtx_seq = self._rtx_seq, (self._rtx_seq + 1) & 0xFFFF
            packet = _HEADER.pack(self._first_byte | 0x20, self._rtx_payload_type, seq) + header_tail + padding
            wire.transport.sendto(wire.protect(packet), wire.addr)
            sent += len(packet)
        return sent

    def _wrap_rtx(self, packet: bytes, rtx_payload_type: int) -> bytes:
        # RFC 4588: RTX payload type, sequence number and SSRC; the original
        # sequence number leads the payload; extensions kept (as aiortc's wrap_rtx).
        header_len = 12
        if packet[0] & 0x10:
            header_len += 4 + 4 * int.from_bytes(packet[14:16], "big")
        seq = self._rtx_seq
        self._rtx_seq = (seq + 1) & 0xFFFF
        return b"".join(
            (
                _HEADER.pack(packet[0], (packet[1] & 0x80) | rtx_payload_type, seq),
                packet[4:8],
                self._rtx_ssrc.to_bytes(4, "big"),
                packet[12:header_len],
                packet[2:4],
                packet[header_len:],
            )
        )


def install_fast_sender(
    sender: RTCRtpSender, parameters: RTCRtpSendParameters, on_packed: PackedSink | None
) -> FastSender:
    """Route ``sender``'s NACKs to a new FastSender; the caller feeds it frames."""
    fast = FastSender(sender, parameters, on_packed)

    async def retransmit(sequence_number: int) -> None:
        fast.retransmit(sequence_number)

    sender._retransmit = retransmit  # type: ignore[method-assign]
    return fast
