"""aiortc adapter: forward encoded media without decoding or re-encoding.

Why this module exists: aiortc has no public switch for "give me the encoded
frames" or "send these encoded frames". Its RTCRtpReceiver depacketizes RTP,
reassembles frames in a jitter buffer and *always* hands them to a decoder
thread; its RTCRtpSender encodes whatever its track returns (MediaRelay relies
on this, so stock relaying costs one encode per receiver -- aiortc #378, #1155).
Everything that reaches into aiortc's private internals lives here, in one
place, pinned to one aiortc version (``signaling.adapters``: on any other
version, or when a name below is gone, media is unavailable instead of
silently decoding again; chat and pages go on).

Receiving side (``ReceiverTap``), internals touched on one receiver instance:
  * ``_RTCRtpReceiver__decoder_queue`` is replaced by ``_TapQueue``. aiortc
    puts ``(codec, JitterFrame)`` on it from ``_handle_rtp_packet`` (on the
    event loop) -- after NACK handling, depacketization and the jitter buffer --
    and we forward the frame from ``put``. The decoder thread aiortc starts in
    ``receive()`` calls ``get()`` once, gets ``None`` and exits before creating
    a decoder. aiortc keeps the (finished) Thread object, which is all it checks
    before queueing frames.
  * ``_RTCRtpReceiver__jitter_buffer`` (audio only) is replaced by one without
    prefetch: aiortc holds 4 audio frames (80 ms) for its own playout, an SFU
    should not; the subscriber's jitter buffer absorbs jitter.
  * ``receive`` and ``_handle_rtp_packet`` are wrapped (instance attributes) to
    learn the RTX payload types, the media SSRC (for PLI) and the
    ssrc-audio-level header extension.
  * ``_send_rtcp_pli`` is called to ask the publisher for a keyframe.
  Known cost kept on purpose: aiortc's jitter buffer releases a frame when the
  first packet of the *next* frame arrives (it ignores the marker bit), so
  each forwarded video frame waits one frame interval (~33 ms at 30 fps) here.
  NACKs towards the publisher (receiver) and retransmissions towards each
  subscriber (sender RTP history) keep working unchanged.

Sending side (``install_sender_hooks``), on one sender instance:
  * ``send`` is wrapped so that, just before aiortc starts the RTP loop,
    ``_RTCRtpSender__encoder`` is set to a ``PassthroughPacker`` for the
    negotiated codec (VP8 or Opus; anything else fails loudly). Pre-setting it
    stops the sender from instantiating a real ``Vp8Encoder``/``OpusEncoder``
    (the latter allocates a libopus encoder); ``encode`` and ``pack`` raise.
    Frames do not go through aiortc's RTP loop at all: once aiortc has started
    the sender, the hook calls ``on_started(parameters)``, where the caller
    installs ``sendpath.FastSender`` (the synchronous fast path, the other
    module of this adapter); the loop stays parked in its track's ``recv()``.
  * ``_handle_rtcp_packet`` is wrapped (instance attribute) when asked: the subscriber's
    receiver reports and REMB feed its downlink estimate (``downlink.py``).
  * ``_send_keyframe`` is shadowed: a subscriber's PLI/FIR reaches the sender's
    ``_handle_rtcp_packet`` which would set a force-keyframe flag on an encoder
    we do not run; we forward the request to the publisher instead.
"""

from __future__ import annotations

import fractions
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.codecs import is_rtx
from aiortc.codecs.base import Encoder
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpparameters import (
    RTCRtpCodecParameters,
    RTCRtpReceiveParameters,
    RTCRtpSendParameters,
)
from aiortc.rtp import RtpPacket

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_ENCODER = "_RTCRtpSender__encoder"
# Every private aiortc name this module relies on (see the module doc): checked, with the
# pinned aiortc version, by signaling.adapters (MEDIA) before media is offered to anyone.
PRIVATE_NAMES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (RTCRtpReceiver.__init__, (_DECODER_QUEUE, _JITTER_BUFFER)),
    (RTCRtpReceiver._handle_rtp_packet, (_DECODER_QUEUE, _JITTER_BUFFER)),
    (RTCRtpReceiver, ("_send_rtcp_pli", "_handle_rtp_packet", "receive")),
    (RTCRtpSender.__init__, (_ENCODER,)),
    (RTCRtpSender._next_encoded_frame, (_ENCODER,)),  # creates an encoder only when none is set
    (RTCRtpSender, ("_send_keyframe", "_handle_rtcp_packet", "send")),
)
VP8_PACKET_MAX = 1300  # same payload budget as aiortc's own VP8 packetizer
SUPPORTED_MIME_TYPES: frozenset[str] = frozenset({"video/vp8", "audio/opus"})


class EncodedFrame:
    """One encoded frame, shared by every subscriber of a publication.

    Also exposes the ``av.Packet`` surface aiortc's stock ``Encoder.pack``
    reads (``bytes()``, ``pts``, ``time_base``).
    """

    __slots__ = ("data", "timestamp", "keyframe", "clock_rate", "tapped_at", "send_clock", "_chunks")

    def __init__(
        self, data: bytes, timestamp: int, keyframe: bool, clock_rate: int, tapped_at: float
    ) -> None:
        self.data = data
        self.timestamp = timestamp
        self.keyframe = keyframe
        self.clock_rate = clock_rate
        self.tapped_at = tapped_at
        self.send_clock: tuple[int, bytes] | None = None  # (NTP, abs-send-time), see sendpath
        self._chunks: list[bytes] | None = None

    def chunks(self, size: int) -> list[bytes]:
        """Payload split into packet-sized pieces, computed once per frame."""
        if self._chunks is None:
            data = self.data
            self._chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        return self._chunks

    @property
    def pts(self) -> int:
        return self.timestamp

    @property
    def time_base(self) -> fractions.Fraction:
        return fractions.Fraction(1, self.clock_rate)

    def __bytes__(self) -> bytes:
        return self.data


def is_keyframe(mime_type: str, data: bytes) -> bool:
    """Keyframe test on a depacketized frame (audio frames are all "key")."""
    if mime_type == "video/vp8":
        # RFC 6386 9.1: P bit clear, then the 0x9d012a start code.
        return len(data) >= 6 and not data[0] & 0x01 and data[3:6] == b"\x9d\x01\x2a"
    return mime_type.startswith("audio/")


class _TapQueue:
    """Stands in for the receiver's ``queue.Queue`` of frames to decode."""

    def __init__(self, on_item: Callable[[RTCRtpCodecParameters, JitterFrame], None]) -> None:
        self._on_item = on_item
        self.ended = False

    def get(self, *args: Any, **kwargs: Any) -> None:
        # Only aiortc's decoder thread calls this: None makes it exit at once.
        return None

    def put(self, item: tuple[RTCRtpCodecParameters, JitterFrame] | None) -> None:
        if item is None:  # receiver stopping (aiortc's end-of-stream marker)
            self.ended = True
            return
        self._on_item(*item)


FrameSink = Callable[[EncodedFrame], None]
LevelSink = Callable[[int], None]


class ReceiverTap:
    """Taps one server-side RTCRtpReceiver's encoded frames (see module doc)."""

    def __init__(self, receiver: RTCRtpReceiver, kind: str) -> None:
        for attr in (_DECODER_QUEUE, _JITTER_BUFFER, "_send_rtcp_pli"):
            if not hasattr(receiver, attr):
                raise RuntimeError(f"aiortc RTCRtpReceiver lacks {attr}: adapter out of date")
        self._receiver = receiver
        self.kind = kind
        self.media_ssrc: int | None = None
        self.frames = 0
        self._rtx_payload_types: frozenset[int] = frozenset()
        self.on_frame: FrameSink | None = None
        self.on_audio_level: LevelSink | None = None
        self._queue = _TapQueue(self._on_jitter_frame)
        setattr(receiver, _DECODER_QUEUE, self._queue)
        if kind == "audio":
            setattr(receiver, _JITTER_BUFFER, JitterBuffer(capacity=16, prefetch=0))
        self._orig_receive = receiver.receive
        self._orig_handle = receiver._handle_rtp_packet
        receiver.receive = self._receive  # type: ignore[method-assign]
        receiver._handle_rtp_packet = self._handle_rtp_packet  # type: ignore[method-assign]

    @property
    def ended(self) -> bool:
        return self._queue.ended

    async def _receive(self, parameters: RTCRtpReceiveParameters) -> None:
        self._rtx_payload_types = frozenset(c.payloadType for c in parameters.codecs if is_rtx(c) and c.payloadType is not None)
        for encoding in parameters.encodings:
            self.media_ssrc = encoding.ssrc
        await self._orig_receive(parameters)

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if packet.payload_type not in self._rtx_payload_types:
            self.media_ssrc = packet.ssrc
        level = packet.extensions.audio_level
        if level is not None and self.on_audio_level is not None:
            self.on_audio_level(level[1])
        await self._orig_handle(packet, arrival_time_ms=arrival_time_ms)

    def _on_jitter_frame(self, codec: RTCRtpCodecParameters, frame: JitterFrame) -> None:
        self.frames += 1
        sink = self.on_frame
        if sink is None:
            return
        mime = codec.mimeType.lower()
        sink(
            EncodedFrame(
                frame.data,
                frame.timestamp,
                is_keyframe(mime, frame.data),
                codec.clockRate,
                time.perf_counter(),
            )
        )

    async def request_keyframe(self) -> bool:
        """Send a PLI to the publisher. False if we do not know its SSRC yet."""
        if self.media_ssrc is None or self.kind != "video":
            return False
        await self._receiver._send_rtcp_pli(self.media_ssrc)
        return True


class PassthroughPacker(Encoder):
    """The sender's "encoder" slot, filled so aiortc never creates a real one.

    Nothing reaches it: the sender's RTP loop never gets a frame (the fast path
    in ``sendpath`` sends instead). Both entry points raise, so a regression
    that routes frames through aiortc's loop fails loudly instead of encoding.
    """

    def __init__(self, mime_type: str) -> None:
        if mime_type not in SUPPORTED_MIME_TYPES:
            raise ValueError(f"passthrough cannot packetize {mime_type}")
        self.mime_type = mime_type

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        raise RuntimeError("passthrough sender received a raw frame: forwarding never encodes")

    def pack(self, packet: Any) -> tuple[list[bytes], int]:
        raise RuntimeError("passthrough sender loop received a frame: the fast path sends")


def install_sender_hooks(
    sender: RTCRtpSender,
    on_keyframe_request: Callable[[], None],
    on_started: Callable[[RTCRtpSendParameters], None],
    on_rtcp: Callable[[Any], None] | None = None,
) -> None:
    """Make ``sender`` forward pre-encoded frames (see module doc).

    ``on_rtcp`` sees every RTCP packet routed to this sender (receiver reports, REMB,
    NACK…) before aiortc handles it: the subscriber's feedback (``downlink.py``).
    """
    if not hasattr(sender, _ENCODER) or not hasattr(sender, "_send_keyframe"):
        raise RuntimeError("aiortc RTCRtpSender internals changed: adapter out of date")
    if on_rtcp is not None:
        orig_handle = sender._handle_rtcp_packet

        async def handle_rtcp(packet: Any) -> None:
            on_rtcp(packet)
            await orig_handle(packet)

        sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
    orig_send: Callable[[RTCRtpSendParameters], Awaitable[None]] = sender.send
    started = False

    async def send(parameters: RTCRtpSendParameters) -> None:
        nonlocal started
        if getattr(sender, _ENCODER) is None:
            setattr(sender, _ENCODER, PassthroughPacker(parameters.codecs[0].mimeType.lower()))
        await orig_send(parameters)  # starts aiortc's RTP/RTCP tasks the first time only
        if not started:
            started = True
            on_started(parameters)  # the caller starts the fast path (sendpath)

    sender.send = send  # type: ignore[method-assign]
    sender._send_keyframe = on_keyframe_request  # type: ignore[method-assign]


def sender_packer(sender: RTCRtpSender) -> Encoder | None:
    """The encoder object a sender is using (for tests asserting passthrough)."""
    encoder: Encoder | None = getattr(sender, _ENCODER)
    return encoder
