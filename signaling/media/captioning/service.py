"""The server side of automatic captions: which voices to transcribe, the tap, the worker.

Owned by a ``MediaServer`` (``server.captions``), which calls :meth:`CaptionService.refresh`
whenever a space's stage, speakers, members or publications change. A captioned space's
chosen voices (rules.caption_speakers) get ``Publication.caption`` set to a tap that copies
the Opus payload into the worker's bounded queue: ``put_nowait``, and a full queue drops the
frame and counts it (``dropped``) -- forwarding never waits on captions. Every other
publication keeps ``caption = None``.

Lines come back from the worker process on a reader thread, are handed to the event loop and
delivered in order, one at a time, to ``on_line(space, speaker, text, final)`` (``speaker``: the
media participant id). A worker that dies is restarted (``on_status(space, "restarted",
message)``); an engine that cannot start at all is ``"failed"`` and captions stop.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import multiprocessing
import queue
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from . import worker
from .engines import EngineSpec
from .rules import SPEAKERS, caption_speakers

if TYPE_CHECKING:
    from ..forwarding import Publication, Publisher
    from ..passthrough import EncodedFrame
    from ..spaces import Space

logger = logging.getLogger(__name__)
OnLine = Callable[[str, str, str, bool], Awaitable[None] | None]  # (space, speaker, text, final)
OnStatus = Callable[[str, str, str], Awaitable[None] | None]  # (space, state, message)
QUEUE_FRAMES = 500  # Opus frames waiting for the worker: 10 s of one voice (20 ms frames)
RESTART_LIMIT = 5  # worker deaths in a row (no line in between) before captions give up
POLL_S = 0.25


class CaptionService:
    def __init__(self, on_line: OnLine, on_status: OnStatus | None = None, *, engine: EngineSpec | None = None,
                 speakers: int = SPEAKERS, queue_frames: int = QUEUE_FRAMES, large_spaces: bool = True) -> None:
        """``large_spaces``: the plenary (a large space) is captioned unless a moderator turns it
        off; rooms are captioned only when a moderator turns them on (``set_space``)."""
        self._on_line = on_line
        self._on_status = on_status
        self.spec = engine or EngineSpec()
        self._speakers = speakers
        self._queue_frames = queue_frames
        self._large_spaces = large_spaces
        self._switched: dict[str, bool] = {}  # a moderator's choice, per space
        self._voices: dict[str, tuple[str, str, Publication]] = {}  # pub_id -> (space, participant, pub)
        self._process: Any = None
        self._inbox: Any = None
        self._events: asyncio.Queue[tuple[Any, ...]] | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._stats_waiters: list[asyncio.Future[dict[str, float]]] = []
        self._deaths = 0
        self._failed = False
        self._closed = False
        self.offered = 0  # frames copied into the queue
        self.dropped = 0  # frames dropped: the queue was full (or the worker restarting)
        self.lines = 0
        self.restarts = 0
        self.delays: deque[float] = deque(maxlen=2000)  # last audio heard → final line out, seconds
        self.status: list[tuple[str, str, str]] = []  # (space, state, message), most recent last
        self.ready = asyncio.Event()  # the worker has loaded its engine

    # -- which spaces, which voices ----------------------------------------------------
    def captioned(self, space: Space) -> bool:
        return not self._failed and self._switched.get(space.space_id, space.large and self._large_spaces)

    def set_space(self, space_id: str, on: bool) -> None:
        """A moderator's ``captions.automatic``; the server refreshes the space after."""
        self._switched[space_id] = on

    def refresh(self, space: Space, peers: Mapping[str, Publisher]) -> None:
        wanted: dict[str, tuple[str, Publication]] = {}
        if self.captioned(space) and space.members:
            # Start (and load the model) as soon as a captioned space is open, not when someone
            # starts talking: loading takes seconds, and those would delay the first captions.
            self._ensure_worker()
            chosen = caption_speakers(tuple(space.members), space.stage, space.speakers.ranking(), self._speakers)
            for participant_id in chosen:
                peer = peers.get(participant_id)
                for pub in peer.publications.values() if peer is not None else ():
                    if pub.kind == "audio" and not pub.closed:
                        wanted[pub.pub_id] = (participant_id, pub)
        for key, (space_id, _, _pub) in list(self._voices.items()):
            if space_id == space.space_id and key not in wanted:
                self._untap(key)
        for key, (participant_id, pub) in wanted.items():
            self._voices[key] = (space.space_id, participant_id, pub)  # a voice that moved: its new space
            if pub.caption is None:
                self._ensure_worker()
                pub.caption = self._tap(key)

    def _tap(self, key: str) -> Callable[[EncodedFrame], None]:
        def offer(frame: EncodedFrame) -> None:  # on the forwarding path: copy or drop, never wait
            inbox = self._inbox
            try:
                inbox.put_nowait(("audio", key, frame.data, frame.tapped_at))
            except (queue.Full, AttributeError):
                self.dropped += 1
            else:
                self.offered += 1

        return offer

    def _untap(self, key: str) -> None:
        _, _, pub = self._voices.pop(key)
        pub.caption = None
        self._send(("end", key))

    def _send(self, item: tuple[Any, ...] | None) -> None:
        try:
            if self._inbox is not None:
                self._inbox.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    # -- the worker process ----------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._process is not None or self._closed:
            return
        loop = asyncio.get_running_loop()
        if self._events is None:
            self._events = asyncio.Queue()
            self._consumer = loop.create_task(self._consume(), name="captions")
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
        self._inbox, outbox = context.Queue(maxsize=self._queue_frames), context.Queue()
        self._process = context.Process(target=worker.run, args=(self._inbox, outbox, self.spec),
                                        name="captions-worker", daemon=True)
        self._process.start()
        threading.Thread(target=self._read, args=(self._process, outbox, loop, self._events),
                         name="captions-reader", daemon=True).start()

    def _read(self, process: Any, outbox: Any, loop: asyncio.AbstractEventLoop,
              events: asyncio.Queue[tuple[Any, ...]]) -> None:
        """Reader thread: the worker's messages onto the loop; its death too."""
        while True:
            try:
                item = outbox.get(timeout=POLL_S)
            except queue.Empty:
                if process.is_alive():
                    continue
                item = ("died", process.exitcode)
            except (EOFError, OSError):
                item = ("died", process.exitcode)
            if loop.is_closed():
                return
            loop.call_soon_threadsafe(events.put_nowait, (process, *item))
            if item[0] in ("died", "fatal"):
                return

    async def _consume(self) -> None:
        assert self._events is not None
        while True:
            process, kind, *rest = await self._events.get()
            if process is not self._process:
                continue  # from a worker already replaced
            try:
                await self._handle(kind, rest)
            except Exception:
                logger.exception("automatic captions: handling %s failed", kind)

    async def _handle(self, kind: str, rest: list[Any]) -> None:
        if kind == "line":
            voice, text, final, heard_at = rest
            where = self._voices.get(voice)
            if where is None:
                return  # no longer captioned
            self._deaths = 0
            if final:
                self.lines += 1
                self.delays.append(time.perf_counter() - heard_at)
            await _call(self._on_line, where[0], where[1], text, final)
        elif kind == "status":
            voice, state, message = rest
            where = self._voices.get(voice)
            logger.warning("automatic captions: %s", message)
            if where is not None:
                await self._tell(where[0], state, message)
        elif kind == "stats":
            cpu, audio, frames = rest
            for waiter in self._stats_waiters:
                if not waiter.done():
                    waiter.set_result({"cpu_seconds": cpu, "audio_seconds": audio, "frames": frames})
            self._stats_waiters.clear()
        elif kind == "ready":
            self.ready.set()
            logger.info("automatic captions: the %s engine is ready", rest[0])
        elif kind == "fatal":
            await self._give_up(rest[0])
        elif kind == "died":
            await self._restart(rest[0])

    async def _restart(self, exitcode: int | None) -> None:
        self._process = self._inbox = None
        self.ready.clear()
        if self._closed:
            return
        self._deaths += 1
        self.restarts += 1
        if self._deaths > RESTART_LIMIT:
            await self._give_up(f"the caption worker keeps stopping (exit code {exitcode})")
            return
        message = f"automatic captions stopped (the caption worker exited with code {exitcode}) and were restarted"
        logger.warning("automatic captions: %s", message)
        if self._voices:
            self._ensure_worker()
        for space_id in sorted({space for space, _, _ in self._voices.values()}):
            await self._tell(space_id, "restarted", message)

    async def _give_up(self, message: str) -> None:
        logger.error("automatic captions are off: %s", message)
        self._failed = True
        spaces = sorted({space for space, _, _ in self._voices.values()})
        for key in list(self._voices):
            self._untap(key)
        for space_id in spaces:
            await self._tell(space_id, "failed", message)

    async def _tell(self, space_id: str, state: str, message: str) -> None:
        self.status.append((space_id, state, message))
        del self.status[:-50]
        if self._on_status is not None:
            await _call(self._on_status, space_id, state, message)

    # -- introspection, shutdown -----------------------------------------------------
    def voices(self) -> dict[str, str]:
        """pub_id -> space of every voice being transcribed."""
        return {key: space for key, (space, _, _) in self._voices.items()}

    async def worker_stats(self, timeout: float = 5.0) -> dict[str, float]:
        """The worker's CPU seconds, audio seconds decoded and frames so far."""
        waiter: asyncio.Future[dict[str, float]] = asyncio.get_running_loop().create_future()
        self._stats_waiters.append(waiter)
        self._send(("stats",))
        return await asyncio.wait_for(waiter, timeout)

    @property
    def worker_pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def close(self) -> None:
        self._closed = True
        for key in list(self._voices):
            self._untap(key)
        process, self._process = self._process, None
        if process is not None:
            self._send(None)
            await asyncio.get_running_loop().run_in_executor(None, process.join, 3.0)
            if process.is_alive():
                process.kill()
        self._inbox = None
        if self._consumer is not None:
            self._consumer.cancel()


async def _call(callback: Callable[..., Awaitable[None] | None], *args: Any) -> None:
    result = callback(*args)
    if inspect.isawaitable(result):
        await result
