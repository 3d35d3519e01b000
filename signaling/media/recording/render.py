"""The offline render: a recording's folder → one playable WebM of the stage.

Runs after the recording stopped, in the worker (platform/recordings drives it, off the event
loop): this is where recordings are decoded and encoded, never on the live path. The picture
follows the timeline (timeline.py: a screen share before a camera, the stage's people first),
every voice is mixed into one audio track, and the captions become a WebVTT track. Files cut
short by a crash are read up to where they end.
"""
from __future__ import annotations

import fractions
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import timeline as tl

logger = logging.getLogger(__name__)
RATE = 48000
AUDIO_FRAME = 960  # 20 ms, Opus
FPS = 15
SIZE = (1280, 720)
MS = fractions.Fraction(1, 1000)
Progress = Callable[[float], None]


@dataclass(frozen=True)
class Cue:
    start: float  # seconds since the recording began
    end: float
    text: str


@dataclass(frozen=True)
class Rendered:
    duration: float
    video_frames: int
    audio_tracks: int
    cues: int


def _frames(path: Path, kind: str) -> Iterator[Any]:
    """Decoded frames of a recorded publication, until its end or where a crash cut it."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
            for packet in container.demux(stream):
                try:
                    yield from packet.decode()
                except av.error.InvalidDataError:
                    continue  # one damaged packet: the next keyframe recovers
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        logger.warning("render: %s ends early (%s)", path.name, exc)


class VideoReader:
    def __init__(self, path: Path) -> None:
        self._frames = _frames(path, "video")
        self._next: Any = next(self._frames, None)
        self.current: Any = None

    def frame_at(self, t: float) -> Any:
        while self._next is not None and self._next.time is not None and self._next.time <= t:
            self.current, self._next = self._next, next(self._frames, None)
        return self.current


class AudioReader:
    """A voice as float mono samples at 48 kHz, placed on the recording's clock (silence in gaps)."""

    def __init__(self, path: Path) -> None:
        import av

        self._frames = _frames(path, "audio")
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._start = 0  # sample index of _buffer[0]
        self._done = False

    def read(self, start: int, count: int) -> np.ndarray:
        while not self._done and self._start + len(self._buffer) < start + count:
            frame = next(self._frames, None)
            if frame is None:
                self._done = True
                break
            at = round((frame.time or 0.0) * RATE)
            samples = np.concatenate([f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)] or
                                     [np.zeros(0, dtype=np.float32)])
            end = self._start + len(self._buffer)
            if at > end:  # a gap: silence until this frame
                self._buffer = np.concatenate([self._buffer, np.zeros(at - end, dtype=np.float32)])
            self._buffer = np.concatenate([self._buffer, samples])
        out = np.zeros(count, dtype=np.float32)
        lo, hi = max(start, self._start), min(start + count, self._start + len(self._buffer))
        if hi > lo:
            out[lo - start: hi - start] = self._buffer[lo - self._start: hi - self._start]
        drop = max(0, start + count - self._start)
        self._buffer, self._start = self._buffer[drop:], self._start + drop
        return out


def render(folder: Path, out: Path, cues: Sequence[Cue] = (), *, progress: Progress | None = None,
           size: tuple[int, int] = SIZE, fps: int = FPS) -> Rendered:
    import av

    with open(folder / tl.FILE, encoding="utf-8") as log:
        timeline = tl.Timeline.parse(log)
    duration = timeline.duration
    videos = {tr.pub: VideoReader(folder / tr.file) for tr in timeline.tracks.values()
              if tr.kind == "video" and (folder / tr.file).exists()}
    voices = [AudioReader(folder / tr.file) for tr in timeline.audio_tracks() if (folder / tr.file).exists()]
    width, height = size
    with av.open(str(out), "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=fps, options={"deadline": "realtime", "cpu-used": "8"})
        video.width, video.height, video.pix_fmt, video.bit_rate = width, height, "yuv420p", 1_500_000
        audio = container.add_stream("libopus", rate=RATE, layout="mono")
        text = container.add_mux_stream("webvtt")
        text.time_base = MS
        frames = math.ceil(duration * fps)
        black = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), dtype=np.uint8), format="rgb24")
        samples_done = 0
        pending = [c for c in sorted(cues, key=lambda c: c.start) if c.start < duration and c.text.strip()]
        written = 0
        for i in range(frames):
            t = i / fps
            while written < len(pending) and pending[written].start <= t:  # in time order, with the rest
                _caption(container, text, pending[written], duration)
                written += 1
            pub = timeline.video_at(t)
            source = videos[pub].frame_at(t) if pub in videos else None
            picture = (source or black).reformat(width=width, height=height, format="yuv420p")
            picture.pts, picture.time_base = i, fractions.Fraction(1, fps)
            container.mux(video.encode(picture))
            if i % fps == fps - 1 or i == frames - 1:  # a second of pictures: its second of sound
                until = min(round((i + 1) / fps * RATE), round(duration * RATE))
                samples_done = _mix(container, audio, voices, samples_done, until)
                if progress is not None:
                    progress((i + 1) / frames)
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
        for cue in pending[written:]:
            _caption(container, text, cue, duration)
        written = len(pending)
    return Rendered(duration=duration, video_frames=frames, audio_tracks=len(voices), cues=written)


def render_job(folder: Path, out: Path, cues: Sequence[Cue], progress_file: Path,
               size: tuple[int, int] = SIZE) -> Rendered:
    """:func:`render` in a process of its own (platform/recordings/jobs.py), its progress in a
    small file the waiting thread reads."""
    last = [0.0]

    def report(done: float) -> None:
        if done - last[0] >= 0.01 or done >= 1.0:
            last[0] = done
            progress_file.write_text(f"{done:.4f}")

    return render(folder, out, cues, progress=report, size=size)


def _caption(container: Any, stream: Any, cue: Cue, duration: float) -> None:
    import av

    packet = av.Packet(cue.text.encode("utf-8"))
    packet.stream, packet.time_base = stream, MS
    packet.pts = packet.dts = round(cue.start * 1000)
    packet.duration = max(1, round((min(cue.end, duration) - cue.start) * 1000))
    container.mux(packet)


def _mix(container: Any, audio: Any, voices: list[AudioReader], start: int, until: int) -> int:
    import av

    position = start
    while position < until:
        mixed = np.zeros(AUDIO_FRAME, dtype=np.float32)
        for voice in voices:
            mixed += voice.read(position, AUDIO_FRAME)
        frame = av.AudioFrame.from_ndarray(np.clip(mixed, -1.0, 1.0).reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, position, fractions.Fraction(1, RATE)
        container.mux(audio.encode(frame))
        position += AUDIO_FRAME
    return position
