"""Synthetic participants: real aiortc peers that publish recognisable media.

Video frames carry a block pattern encoding (tag, frame counter) that survives
VP8 and is read back after decoding; audio is a sine tone. Signaling goes
through a pluggable ``SignalingTransport`` -- ``DirectTransport`` calls a
MediaServer in-process; a websocket transport can implement the same protocol.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from av.frame import Frame

from signaling.media import MediaError, MediaServer, SignalOut
from signaling.media.passthrough import EncodedFrame, ReceiverTap

COLS, ROWS = 8, 4  # 32 bits: tag(8) | counter(16) | check(8)
DARK, LIGHT = 30, 220
SAMPLE_RATE = 48000
AUDIO_SAMPLES = 960  # 20 ms


# -- pattern ------------------------------------------------------------------
def _check(tag: int, counter: int) -> int:
    return ((tag + (counter >> 8) + (counter & 0xFF)) * 7 & 0xFF) ^ 0xA5


def pattern_bits(tag: int, counter: int) -> np.ndarray:
    value = (tag & 0xFF) << 24 | (counter & 0xFFFF) << 8 | _check(tag, counter & 0xFFFF)
    return np.array([(value >> (31 - i)) & 1 for i in range(32)], dtype=np.uint8).reshape(ROWS, COLS)


def draw_pattern(tag: int, counter: int, width: int, height: int, lower: np.ndarray | None = None) -> VideoFrame:
    """yuv420p frame: pattern cells in the top half, ``lower`` (or grey) below."""
    top = height // 2
    cells = pattern_bits(tag, counter) * (LIGHT - DARK) + DARK
    y = np.full((height, width), 128, dtype=np.uint8)
    y[: top // ROWS * ROWS, : width // COLS * COLS] = np.kron(
        cells, np.ones((top // ROWS, width // COLS))
    ).astype(np.uint8)
    if lower is not None:
        y[top:] = lower[: height - top, :width]
    chroma = np.full((height // 2, width), 128, dtype=np.uint8)
    return VideoFrame.from_ndarray(np.vstack([y, chroma]), format="yuv420p")


def read_pattern(frame: VideoFrame) -> tuple[int, int] | None:
    """(tag, counter) from a decoded frame, None if the pattern is not intact."""
    y = frame.to_ndarray(format="yuv420p")[: frame.height]
    ch, cw = (frame.height // 2) // ROWS, frame.width // COLS
    value = 0
    for r in range(ROWS):
        for c in range(COLS):
            cell = y[r * ch + ch // 4 : r * ch + 3 * ch // 4, c * cw + cw // 4 : c * cw + 3 * cw // 4]
            value = value << 1 | int(cell.mean() > 128)
    tag, counter, check = value >> 24, (value >> 8) & 0xFFFF, value & 0xFF
    return (tag, counter) if check == _check(tag, counter) else None


# -- publishing tracks --------------------------------------------------------
class _Texture:
    """Moving blocky texture with grain below the pattern: natural-ish content
    that VP8 codes at ~500 kbps for 640x360@30 (pure noise would need Mbit/s)."""

    def __init__(self, seed: int, width: int, height: int) -> None:
        rng = np.random.default_rng(seed)
        self._tile = rng.integers(40, 215, (height // 8 + 1, width // 8 + 64), dtype=np.uint8)
        self._grain = [rng.integers(-6, 6, (height, width)).astype(np.int16) for _ in range(8)]
        self._width, self._height = width, height

    def frame(self, counter: int) -> np.ndarray:
        shift = counter % 64
        small = self._tile[:, shift : shift + self._width // 8 + 1]
        big = small.repeat(8, axis=0).repeat(8, axis=1)[: self._height, : self._width].astype(np.int16)
        return np.clip(big + self._grain[counter % 8], 0, 255).astype(np.uint8)


class PatternVideoTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, tag: int, width: int = 160, height: int = 96, fps: int = 15, texture: bool = False) -> None:
        super().__init__()
        self.tag, self.width, self.height, self.fps = tag, width, height, fps
        self.counter = 0
        self._texture = _Texture(tag, width, height - height // 2) if texture else None
        self._start: float | None = None
        self._active = asyncio.Event()
        self._active.set()

    def set_active(self, active: bool) -> None:
        """A simulcast layer the server says nobody needs sends nothing (``media.layers``)."""
        self._active.set() if active else self._active.clear()

    @property
    def active(self) -> bool:
        return self._active.is_set()

    async def recv(self) -> VideoFrame:
        if not self._active.is_set():
            await self._active.wait()
            self._start = None  # resume at the frame rate, without a burst to catch up
        if self._start is None:
            self._start = time.monotonic() - self.counter / self.fps
        due = self._start + self.counter / self.fps
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        lower = self._texture.frame(self.counter) if self._texture else None
        frame = draw_pattern(self.tag, self.counter, self.width, self.height, lower)
        frame.pts, frame.time_base = self.counter * (90000 // self.fps), fractions.Fraction(1, 90000)
        self.counter += 1
        return frame


# What each layer is encoded at, by height, as a browser caps each simulcast encoding
# (maxBitrate): aiortc's own encoder targets 250 kbit/s to 1.5 Mbit/s whatever the size.
LAYER_BITRATES = {90: 120_000, 180: 350_000, 360: 700_000}


def cap_layer_bitrates() -> Callable[[], None]:
    """Encode each layer at its LAYER_BITRATES (returns what undoes it)."""
    original = Vp8Encoder.encode

    def encode(self: Vp8Encoder, frame: Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        cap = LAYER_BITRATES.get(getattr(frame, "height", 0))
        if cap is not None:  # past the setter's 250 kbit/s floor
            self._Vp8Encoder__target_bitrate = min(self.target_bitrate, cap)  # type: ignore[attr-defined]
        return original(self, frame, force_keyframe)

    Vp8Encoder.encode = encode  # type: ignore[method-assign]

    def undo() -> None:
        Vp8Encoder.encode = original  # type: ignore[method-assign]

    return undo


class ToneAudioTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3) -> None:
        super().__init__()
        self.frequency, self.amplitude = frequency, amplitude
        self._samples = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._samples / SAMPLE_RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t = (self._samples + np.arange(AUDIO_SAMPLES)) / SAMPLE_RATE
        pcm = (self.amplitude * 32767 * np.sin(2 * np.pi * self.frequency * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, self._samples
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._samples += AUDIO_SAMPLES
        return frame


# -- signaling transports -------------------------------------------------------
OnSignal = Callable[[SignalOut], Awaitable[None]]


class SignalingTransport(Protocol):
    async def join(self, participant_id: str, space_id: str, on_signal: OnSignal, role: str) -> None: ...
    # A publisher of simulcast layers also passes ``layers=`` (mid -> {"rank", "height"}).
    async def offer(self, participant_id: str, sdp: str, track_labels: dict[str, str]) -> str: ...
    async def answer(self, participant_id: str, sdp: str) -> None: ...
    async def leave(self, participant_id: str) -> None: ...


class DirectTransport:
    """In-process: calls the MediaServer API directly."""

    def __init__(self, server: MediaServer) -> None:
        self.server = server

    async def join(self, participant_id: str, space_id: str, on_signal: OnSignal, role: str) -> None:
        await self.server.join(participant_id, space_id, on_signal, role=role)

    async def offer(
        self, participant_id: str, sdp: str, track_labels: dict[str, str], layers: dict | None = None
    ) -> str:
        return await self.server.handle_offer(participant_id, sdp, track_labels, layers)

    async def answer(self, participant_id: str, sdp: str) -> None:
        await self.server.handle_answer(participant_id, sdp)

    async def leave(self, participant_id: str) -> None:
        await self.server.leave(participant_id)


# -- participant ------------------------------------------------------------------
@dataclass
class TagSeen:
    first_at: float
    last_at: float
    count: int = 0
    last_counter: int = -1
    mids: set[str] = field(default_factory=set)
    height: int = 0  # of the last intact frame (which simulcast layer arrives)


class SyntheticParticipant:
    """An aiortc client that publishes pattern video / tone audio and decodes what it gets."""

    def __init__(self, participant_id: str, transport: SignalingTransport, *, decode: bool = True) -> None:
        self.participant_id = participant_id
        self.transport = transport
        self.decode = decode
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.tracks: dict[str, MediaStreamTrack] = {}  # label -> published track
        self.layers: list[PatternVideoTrack] = []  # the camera's simulcast layers, lowest first
        self.video: dict[int, TagSeen] = {}
        self.audio: dict[str, list[np.ndarray]] = {}  # mid -> recent PCM chunks
        self.encoded_frames: dict[str, int] = {}  # mid -> frames counted (decode=False)
        self.mid_owner: dict[str, tuple[str, str]] = {}  # mid -> (participant, label)
        self.signals: list[SignalOut] = []
        self.unreadable = 0  # decoded video frames whose pattern was not intact (corrupt)
        self.errors: list[Exception] = []
        self._inbox: asyncio.Queue[SignalOut] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)

    def publish(self, label: str, track: MediaStreamTrack) -> None:
        """Add a track before ``join`` (or before ``renegotiate``)."""
        self.pc.addTransceiver(track, direction="sendonly")
        self.tracks[label] = track

    def publish_layers(self, tag: int, sizes: tuple[tuple[int, int], ...] = ((160, 90), (320, 180), (640, 360)),
                       fps: int = 15) -> None:
        """The camera as simulcast layers, one sendonly m-line each (as the browser client sends
        it): the same pattern ``tag`` at each of ``sizes`` (lowest first)."""
        for width, height in sizes:
            track = PatternVideoTrack(tag, width, height, fps=fps, texture=True)
            self.pc.addTransceiver(track, direction="sendonly")
            self.layers.append(track)

    def _layer_specs(self) -> dict[str, dict[str, int]]:
        mids = {id(t.sender.track): t.mid for t in self.pc.getTransceivers() if t.mid is not None}
        return {str(mids[id(track)]): {"rank": rank, "height": track.height}
                for rank, track in enumerate(self.layers) if id(track) in mids}

    def layer_mid(self, rank: int) -> str:
        return next(str(t.mid) for t in self.pc.getTransceivers() if t.sender.track is self.layers[rank])

    async def join(self, space_id: str, role: str = "participant") -> None:
        await self.transport.join(self.participant_id, space_id, self._on_signal, role)
        self._spawn(self._signal_worker())
        if not self.pc.getTransceivers():  # the connection needs at least one m-line
            self.pc.addTransceiver("video", direction="recvonly")
        await self.renegotiate()

    async def renegotiate(self) -> None:
        """Client offer (initial, or after publishing more tracks)."""
        async with self._lock:
            await self.pc.setLocalDescription(await self.pc.createOffer())
            labels = {
                t.mid: label
                for label, track in self.tracks.items()
                for t in self.pc.getTransceivers()
                if t.sender.track is track and t.mid is not None
            }
            layers = self._layer_specs()
            labels.update({mid: "camera" for mid in layers})
            extra = {"layers": layers} if layers else {}
            answer = await self.transport.offer(self.participant_id, self.pc.localDescription.sdp, labels, **extra)
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    async def _on_signal(self, signal: SignalOut) -> None:
        self._inbox.put_nowait(signal)  # never re-enter the server from its callback

    async def _signal_worker(self) -> None:
        while True:
            signal = await self._inbox.get()
            self.signals.append(signal)
            if signal.kind in ("offer", "tracks"):  # always the full mapping
                self.mid_owner = {i.mid: (i.participant_id, i.label) for i in signal.tracks}
            if signal.kind == "layers":  # as the browser: only the layers someone needs are sent
                for rank, track in enumerate(self.layers):
                    track.set_active(self.layer_mid(rank) in signal.active)
            if signal.kind == "offer" and signal.sdp:
                async with self._lock:
                    await self._answer(signal.sdp)

    async def _answer(self, sdp: str) -> None:
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            await self.transport.answer(self.participant_id, self.pc.localDescription.sdp)
        except (MediaError, ValueError) as exc:
            self.errors.append(exc)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        mid = str(transceiver.mid)
        if self.decode:
            self._spawn(self._consume(track, mid))
        else:  # count encoded frames only (cheap load generator)
            tap = ReceiverTap(transceiver.receiver, track.kind)
            tap.on_frame = lambda frame, mid=mid: self._count(mid, frame)

    def _count(self, mid: str, frame: EncodedFrame) -> None:
        self.encoded_frames[mid] = self.encoded_frames.get(mid, 0) + 1

    async def _consume(self, track: MediaStreamTrack, mid: str) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, VideoFrame):
                self._saw_video(frame, mid)
            elif isinstance(frame, AudioFrame):
                chunks = self.audio.setdefault(mid, [])
                chunks.append(frame.to_ndarray()[0, :: len(frame.layout.channels)].astype(np.float64))
                del chunks[:-25]  # keep ~0.5 s

    def _saw_video(self, frame: VideoFrame, mid: str) -> None:
        decoded = read_pattern(frame)
        if decoded is None:
            self.unreadable += 1
            return
        tag, counter = decoded
        now = time.monotonic()
        seen = self.video.setdefault(tag, TagSeen(first_at=now, last_at=now))
        seen.last_at, seen.last_counter, seen.height = now, counter, frame.height
        seen.count += 1
        seen.mids.add(mid)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- observations ------------------------------------------------------
    async def wait_video(self, tag: int, timeout: float = 5.0, since: float | None = None) -> float:
        """Wait until a frame of ``tag`` decoded after ``since``; returns its time."""
        since = time.monotonic() if since is None else since
        async with asyncio.timeout(timeout):
            while True:
                seen = self.video.get(tag)
                if seen is not None and seen.last_at >= since:
                    return seen.last_at
                await asyncio.sleep(0.01)

    def audio_spectrum(self, mid: str) -> tuple[float, float]:
        """(RMS in [0, 1], dominant frequency in Hz) of recent audio on ``mid``."""
        chunks = self.audio.get(mid)
        if not chunks:
            return 0.0, 0.0
        pcm = np.concatenate(chunks) / 32768.0
        spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
        freq = float(np.argmax(spectrum[1:]) + 1) * SAMPLE_RATE / len(pcm)
        return float(np.sqrt(np.mean(pcm**2))), freq

    def mids_of(self, participant_id: str, label: str) -> list[str]:
        return [m for m, owner in self.mid_owner.items() if owner == (participant_id, label)]

    async def close(self, leave: bool = True) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for track in [*self.tracks.values(), *self.layers]:
            track.stop()
        await self.pc.close()
        if leave:
            await self.transport.leave(self.participant_id)
