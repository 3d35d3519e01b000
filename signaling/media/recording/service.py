"""The recorder of a media server: which publications are recorded, the tap, the stops.

Owned by a ``MediaServer`` (``server.recording``, created by :func:`recorder_of` on the first
recording), which calls :meth:`RecordingService.refresh` whenever a space's stage, members or
publications change. Every publication of a recorded space gets ``Publication.recording`` set
to a tap that puts the encoded frame on the writer's queue -- or, when ``queue_frames`` frames
are already waiting (a slow disk), drops it and marks a gap in the timeline: forwarding never
waits. A write that fails (a full disk) stops that space's recording and tells ``on_fault``.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import queue
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .writer import Writer

if TYPE_CHECKING:
    from ..forwarding import Publication, Publisher
    from ..passthrough import EncodedFrame
    from ..server import MediaServer
    from ..spaces import Space

logger = logging.getLogger(__name__)
OnFault = Callable[[str, str, str], Awaitable[None] | None]  # (space, reason, message)
QUEUE_FRAMES = 2000  # frames waiting for the disk: ~8 s of a camera, a screen and two voices
STOP_TIMEOUT_S = 10.0


@dataclass
class LiveRecording:
    space_id: str
    folder: Path
    started: float
    pubs: dict[str, Publication] = field(default_factory=dict)
    stage: tuple[str, ...] | None = None
    open_gaps: dict[str, float] = field(default_factory=dict)  # pub -> when its frames began to drop
    gaps: list[tuple[str, float, float]] = field(default_factory=list)
    dropped: int = 0
    offered: int = 0


class RecordingService:
    def __init__(self, on_fault: OnFault | None = None, *, queue_frames: int = QUEUE_FRAMES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._on_fault = on_fault
        self._limit = queue_frames
        self._clock = clock
        # Unbounded for the few control events (never lost); frames are bounded by the tap.
        self._inbox: queue.Queue[Any] = queue.Queue()
        self._writer: Writer | None = None
        self._live: dict[str, LiveRecording] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.faults: list[tuple[str, str, str]] = []

    # -- which spaces ------------------------------------------------------------------
    def recording(self, space_id: str) -> bool:
        return space_id in self._live

    def live(self, space_id: str) -> LiveRecording | None:
        return self._live.get(space_id)

    def start(self, space: Space, peers: Mapping[str, Publisher], folder: Path) -> None:
        if space.space_id in self._live:
            return
        if self._writer is None:
            loop = asyncio.get_running_loop()
            self._writer = Writer(self._inbox, lambda *fault: loop.call_soon_threadsafe(self._fault, *fault))
        self._live[space.space_id] = LiveRecording(space.space_id, folder, self._clock())
        wall = dt.datetime.now(dt.UTC).isoformat()
        self._inbox.put(("begin", space.space_id, folder, wall))
        self.refresh(space, peers)

    async def stop(self, space_id: str, reason: str = "stopped") -> LiveRecording | None:
        """Stop recording ``space_id``; returns once its files are closed, or after STOP_TIMEOUT_S
        when the disk is stalled (None: it was not recording)."""
        live = self._end_taps(space_id)
        if live is None:
            return None
        finished = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()
        self._inbox.put(("end", space_id, reason, self._now(live),
                         lambda: loop.call_soon_threadsafe(_settle, finished)))
        done, _ = await asyncio.wait({finished}, timeout=STOP_TIMEOUT_S)
        if not done:  # a stalled disk: the writer closes the files when it can; nothing waits for it
            logger.warning("recording of %s: the writer is behind; its files close later", space_id)
        return live

    def refresh(self, space: Space, peers: Mapping[str, Publisher]) -> None:
        live = self._live.get(space.space_id)
        if live is None:
            return
        wanted: dict[str, tuple[str, Publication]] = {}
        for member in space.members:
            peer = peers.get(member)
            for pub in peer.publications.values() if peer is not None else ():
                if not pub.closed:
                    wanted[pub.pub_id] = (member, pub)
        for key in [key for key in live.pubs if key not in wanted]:
            self._untap(live, key)
        for key, (member, pub) in wanted.items():
            if key not in live.pubs:
                live.pubs[key] = pub
                self._inbox.put(("publication", live.space_id, key, member, pub.kind, pub.label, self._now(live)))
                pub.recording = self._tap(live, key, pub)
                pub.request_keyframe()  # the file starts at a keyframe: ask now, not at the next one
        if space.stage != live.stage:
            live.stage = space.stage
            self._inbox.put(("stage", live.space_id, space.stage, self._now(live)))

    # -- the tap: on the forwarding path -------------------------------------------------
    def _tap(self, live: LiveRecording, key: str, pub: Publication) -> Callable[[EncodedFrame], None]:
        inbox, limit, clock, started, space_id = self._inbox, self._limit, self._clock, live.started, live.space_id

        def record(frame: EncodedFrame) -> None:  # copy or drop, never wait
            now = clock() - started
            if inbox.qsize() >= limit:
                live.dropped += 1
                live.open_gaps.setdefault(key, now)
                return
            if key in live.open_gaps:
                self._close_gap(live, key, pub, now)
            inbox.put_nowait(("frame", space_id, key, frame.data, frame.timestamp, frame.keyframe,
                              frame.clock_rate, now))
            live.offered += 1

        return record

    def _close_gap(self, live: LiveRecording, key: str, pub: Publication, now: float) -> None:
        start = live.open_gaps.pop(key)
        live.gaps.append((key, start, now))
        self._inbox.put(("gap", live.space_id, key, start, now))
        pub.request_keyframe()  # the file resumes at a keyframe

    def _untap(self, live: LiveRecording, key: str) -> None:
        pub = live.pubs.pop(key)
        if pub.recording is not None:
            pub.recording = None
        now = self._now(live)
        if key in live.open_gaps:
            live.gaps.append((key, live.open_gaps.pop(key), now))
        self._inbox.put(("unpublished", live.space_id, key, now))

    def _end_taps(self, space_id: str) -> LiveRecording | None:
        live = self._live.pop(space_id, None)
        if live is not None:
            for key in list(live.pubs):
                self._untap(live, key)
        return live

    def _now(self, live: LiveRecording) -> float:
        return self._clock() - live.started

    # -- faults ------------------------------------------------------------------------
    def _fault(self, space_id: str, reason: str, message: str) -> None:
        """On the loop: a write failed (writer thread). The recording stops; files keep what was written."""
        live = self._end_taps(space_id)
        if live is None:
            return
        self._inbox.put(("end", space_id, reason, self._now(live), None))
        self.faults.append((space_id, reason, message))
        if self._on_fault is not None:
            task = asyncio.get_running_loop().create_task(_call(self._on_fault, space_id, reason, message),
                                                          name=f"recording-fault:{space_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # -- introspection, shutdown -------------------------------------------------------
    def stats(self) -> dict[str, int]:
        return {"recorded_spaces": len(self._live), "queued": self._inbox.qsize(),
                "written": self._writer.written if self._writer else 0}

    async def close(self) -> None:
        for space_id in list(self._live):
            await self.stop(space_id, "shutdown")
        for task in list(self._tasks):
            task.cancel()
        writer, self._writer = self._writer, None
        if writer is not None:
            await asyncio.get_running_loop().run_in_executor(None, writer.join, 10.0)


def recorder_of(server: MediaServer, on_fault: OnFault | None = None, **options: Any) -> RecordingService:
    """The server's recorder, created on the first recording (nothing runs before)."""
    if server.recording is None:
        server.recording = RecordingService(on_fault, **options)
    return server.recording


async def start(server: MediaServer, space_id: str, folder: Path, on_fault: OnFault | None = None) -> None:
    """Start recording ``space_id`` of ``server`` into ``folder``."""
    # The server's spaces and peers, read here only: the hook in server.py stays two lines.
    recorder_of(server, on_fault).start(server._space(space_id), server.publishers, folder)  # noqa: SLF001


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _call(callback: Callable[..., Awaitable[None] | None], *args: Any) -> None:
    try:
        result = callback(*args)
        if inspect.isawaitable(result):
            await result
    except Exception:  # noqa: BLE001 — a notice that fails must not take the recorder down
        logger.exception("recording fault callback failed")
