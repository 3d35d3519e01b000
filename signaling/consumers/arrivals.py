"""Connections arriving together are placed and welcomed together: group commit on the
worker's database thread.

Every websocket's database work runs on one thread per worker, so during a burst of arrivals
(everyone back from a break at once) each join waited for every join before it, and each
paid for reading the whole roster, the breakouts and the room's chat again. Here the joins
that arrive while the thread is busy wait together and go in the next trip as one batch:
one roster read, one breakouts change for all the late joiners among them (bench/breakout_open.py,
late joiners in a burst). A join on a quiet worker goes at once, alone, as before.

Two steps go this way: placing (a late joiner's room) and the welcome. Admission (who the
connection is: one read) does not: batched, it made the next breakout opening slower for
reasons not found (bench/breakout_open.py, open p99 ~1.0-1.3 s against ~0.8 s), and it would
save only a trip's overhead. A batch that fails is tried again one join at a time, so one bad arrival fails only itself.
The trips run in tasks the worker owns (``WORKER.spawn``: cancelled when it stops).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

from rooms.actions import breakouts
from signaling.consumers.handlers import db
from signaling.consumers.welcome import Arriving, Greeting, arrive_all
from signaling.worker import WORKER

logger = logging.getLogger("convene.signaling")

Key = TypeVar("Key", bound=Hashable)
Request = TypeVar("Request")
Result = TypeVar("Result")
MAX_BATCH = 50  # a bound on one trip (and on what one failure sends back to be tried alone)


class Batches(Generic[Key, Request, Result]):
    """Requests per key (a convening), run ``run(key, requests) -> results`` (one per request,
    in order) on the database thread; those that arrive while a trip runs go in the next."""

    def __init__(self, name: str, run: Callable[[Key, list[Request]], list[Result]]) -> None:
        self.name, self._run = name, run
        self._waiting: dict[Key, list[tuple[Request, asyncio.Future[Result]]]] = {}
        self._running: dict[Key, asyncio.Task[None]] = {}

    async def submit(self, convening_id: Key, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.setdefault(convening_id, []).append((request, future))
        running = self._running.get(convening_id)
        if running is None or running.done() or running.get_loop() is not loop:  # (tests change loops)
            self._running[convening_id] = WORKER.spawn(self._trips(convening_id),
                                                       name=f"convene.{self.name} {convening_id}")
        return await future

    async def _trips(self, convening_id: Key) -> None:
        batch: list[tuple[Request, asyncio.Future[Result]]] = []
        try:
            while True:
                loop = asyncio.get_running_loop()
                waiting = [(r, f) for r, f in self._waiting.pop(convening_id, [])
                           if not f.done() and f.get_loop() is loop]
                if not waiting:
                    return  # decided with nothing in between: a new request starts a new task
                batch, rest = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
                if rest:
                    self._waiting[convening_id] = rest + self._waiting.get(convening_id, [])
                await self._trip(convening_id, batch)
        finally:
            if self._running.get(convening_id) is asyncio.current_task():
                del self._running[convening_id]
            for _, future in batch + self._waiting.pop(convening_id, []):
                future.cancel()  # only if the worker stopped mid-trip: nobody is left to answer

    async def _trip(self, convening_id: Key, batch: Sequence[tuple[Request, asyncio.Future[Result]]]) -> None:
        try:
            results = await db(self._run)(convening_id, [request for request, _ in batch])
        except Exception as exc:  # noqa: BLE001 — answered below: each alone, or this error
            if len(batch) == 1:
                _answer(batch[0][1], exception=exc)
                return
            logger.warning("%s: a batch of %d failed (%r); trying each alone", self.name, len(batch), exc)
            for one in batch:
                await self._trip(convening_id, [one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            _answer(future, result=result)


def _answer(future: asyncio.Future[Result], *, result: Result | None = None,
            exception: BaseException | None = None) -> None:
    if future.done():  # its connection went away meanwhile
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)  # type: ignore[arg-type]


def _greet(convening_id: int, arrivals: list[Arriving]) -> list[Greeting]:
    return arrive_all(arrivals)


PLACING: Batches[int, tuple[int, str], str] = Batches("arrivals.placing", breakouts.arrival_spaces)
GREETING: Batches[int, Arriving, Greeting] = Batches("arrivals.greeting", _greet)


async def place(convening_id: int, participant_id: int, role: str) -> str:
    """Where an arriving person goes (placed first if they are a late joiner)."""
    return await PLACING.submit(convening_id, (participant_id, role))


async def greet(arriving: Arriving) -> Greeting:
    """Record the connection and read its welcome."""
    return await GREETING.submit(arriving.arrival.convening_id, arriving)
