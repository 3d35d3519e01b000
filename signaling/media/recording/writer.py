"""The writer thread: drains the recorder's queue, writes packets as they are and the timeline.

Each publication gets its own WebM file, muxed by PyAV from the encoded frames (``add_mux_stream``:
no codec is opened, nothing is decoded). Matroska clusters close about every second and each
is flushed to the file, so a process that dies leaves a file readable up to about a second before
the crash. Packet times follow the publication's RTP clock from its first frame's arrival, so
the publications of one recording line up in the render. A write that fails stops that
recording (``on_fault``: ``disk_full`` when the disk is full) and never the thread.
"""
from __future__ import annotations

import errno
import fractions
import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import timeline
from .vp8 import keyframe_size

logger = logging.getLogger(__name__)
MS = fractions.Fraction(1, 1000)
CLUSTER_MS = "1000"  # how much a crash may lose, at most
OnWriterFault = Callable[[str, str, str], object]  # (space, reason, message), from the writer thread; result ignored


class TrackFile:
    """One publication's WebM file, opened at its first usable frame (a keyframe for video)."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path, self.kind = path, kind
        self.container: Any = None
        self.handle: IO[bytes] | None = None
        self.stream: Any = None
        self.needs_keyframe = kind == "video"
        self.frames = 0
        self._base = 0.0
        self._ticks = 0
        self._prev_ts = 0
        self._last_ms = -1

    def write(self, data: bytes, timestamp: int, keyframe: bool, clock_rate: int, t: float) -> None:
        if self.needs_keyframe and not keyframe:
            return  # a delta without the keyframe before it cannot be decoded
        self.needs_keyframe = False
        if self.container is None:
            self._open(data, timestamp, t)
        delta = (timestamp - self._prev_ts) & 0xFFFFFFFF
        self._ticks += delta - (1 << 32) if delta >= 1 << 31 else delta  # wrap-around and reordering
        self._prev_ts = timestamp
        at_ms = max(round((self._base + self._ticks / clock_rate) * 1000), self._last_ms + 1)
        self._last_ms = at_ms
        import av

        packet = av.Packet(data)
        packet.stream, packet.time_base, packet.pts, packet.dts = self.stream, MS, at_ms, at_ms
        packet.is_keyframe = keyframe or self.kind == "audio"
        self.container.mux(packet)
        self.frames += 1

    def _open(self, data: bytes, timestamp: int, t: float) -> None:
        import av

        # A Python file, unbuffered: PyAV then writes through Python, which lets go of the GIL
        # while the disk is slow -- given a path, FFmpeg's own writes would hold it and a
        # stalled disk would stall the whole process, forwarding included.
        self.handle = open(self.path, "wb", buffering=0)  # noqa: SIM115 — closed in close()
        self.container = av.open(self.handle, "w", format="webm",
                                 options={"cluster_time_limit": CLUSTER_MS, "flush_packets": "1"})
        if self.kind == "video":
            width, height = keyframe_size(data) or (640, 480)
            self.stream = self.container.add_mux_stream("vp8", width=width, height=height)
        else:
            self.stream = self.container.add_mux_stream("opus", rate=48000)
        self.stream.time_base = MS
        self._base, self._prev_ts = t, timestamp

    def gap(self) -> None:
        self.needs_keyframe = self.kind == "video"

    def close(self) -> None:
        container, self.container = self.container, None
        handle, self.handle = self.handle, None
        try:
            if container is not None:
                container.close()
        finally:
            if handle is not None:
                handle.close()


@dataclass
class SpaceRecording:
    folder: Path
    log: IO[str]
    tracks: dict[str, TrackFile] = field(default_factory=dict)
    failed: bool = False

    def event(self, t: float, name: str, **fields: Any) -> None:
        self.log.write(json.dumps({"t": round(t, 3), "event": name, **fields}) + "\n")
        self.log.flush()


class Writer:
    """Owns the thread; ``inbox`` is the recorder's queue (service.py puts, this drains)."""

    def __init__(self, inbox: queue.Queue[Any], on_fault: OnWriterFault) -> None:
        self.inbox = inbox
        self._on_fault = on_fault
        self._spaces: dict[str, SpaceRecording] = {}
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="recording-writer", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        self.inbox.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self.inbox.get()
            if item is None:
                break
            space = item[1]
            try:
                self._handle(item)
            except Exception as exc:  # noqa: BLE001 — one recording fails, the thread goes on
                self._fail(space, exc)
        for space in list(self._spaces):
            self._end(space, "shutdown", None)

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind, space, *rest = item
        if kind == "begin":
            folder, wall = rest
            folder.mkdir(parents=True, exist_ok=True)
            # Open for the recording's whole life (closed by _end): no context manager fits.
            events = open(folder / timeline.FILE, "a", encoding="utf-8")  # noqa: SIM115
            recording = self._spaces[space] = SpaceRecording(folder, events)
            recording.event(0.0, "begin", space=space, wall=wall)
            return
        if kind == "end":
            self._end(space, *rest)
            return
        live = self._spaces.get(space)
        if live is None or live.failed:
            return
        recording = live
        if kind == "frame":
            pub, data, timestamp, keyframe, clock_rate, t = rest
            track = recording.tracks.get(pub)
            if track is not None:
                track.write(data, timestamp, keyframe, clock_rate, t)
                self.written += 1
        elif kind == "publication":
            pub, participant, media_kind, label, t = rest
            name = f"{len(recording.tracks) + 1:02d}-{label}.webm"
            recording.tracks[pub] = TrackFile(recording.folder / name, media_kind)
            recording.event(t, "publication", pub=pub, participant=participant, kind=media_kind, label=label, file=name)
        elif kind == "unpublished":
            pub, t = rest
            track = recording.tracks.get(pub)
            if track is not None:
                track.close()
                recording.event(t, "unpublished", pub=pub)
        elif kind == "stage":
            participants, t = rest
            recording.event(t, "stage", participants=list(participants))
        elif kind == "gap":
            pub, start, end = rest
            if pub in recording.tracks:
                recording.tracks[pub].gap()
            recording.event(end, "gap", pub=pub, **{"from": round(start, 3), "to": round(end, 3)})

    def _end(self, space: str, reason: str, t: float | None, done: Callable[[], None] | None = None) -> None:
        recording = self._spaces.pop(space, None)
        try:
            if recording is not None:
                for track in recording.tracks.values():
                    try:
                        track.close()
                    except Exception:  # noqa: BLE001 — a file that cannot be finished keeps its clusters
                        logger.exception("recording of %s: closing %s failed", space, track.path.name)
                try:
                    if t is not None:
                        recording.event(t, "end", reason=reason)
                finally:
                    recording.log.close()
        except OSError:
            logger.exception("recording of %s: the timeline could not be finished", space)
        finally:
            if done is not None:
                done()

    def _fail(self, space: str, exc: Exception) -> None:
        recording = self._spaces.get(space)
        if recording is None or recording.failed:
            logger.exception("recording writer: %s", space)
            return
        recording.failed = True
        full = getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc)
        reason = "disk_full" if full else "write_failed"
        logger.error("recording of %s stopped: %s (%s)", space, reason, exc)
        # The files keep what was written (their clusters are on disk); "end" closes them.
        self._on_fault(space, reason, str(exc))
