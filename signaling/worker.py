"""What one daphne worker runs besides its connections: the presence heartbeat and the outbox.

``WORKER`` is this process's registry. The first connection starts both tasks
(lazily, because daphne gives no startup hook that runs inside its event loop);
later connections find them running.

* heartbeat: every ``PRESENCE_HEARTBEAT_S`` vouch for this worker's connections
  (``last_seen``) and sweep connections nobody has vouched for in
  ``PRESENCE_TIMEOUT_S`` — those of a worker that died. The same loop checks the breakout
  deadlines every BREAKOUT_TICK_S; when each is due is decided by ``rooms.clock``.
* outbox: sends the events actions publish, in commit order (rooms.actions.publish).
* email: a round of the mail app every MAIL_TICK_S, on another thread (``start_mail_round``),
  started by the heartbeat's tick, and by a loop of its own that the first HTTP request starts
  (``mail_started_by_requests``): a worker nobody is connected to still sends reminders.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection

from mail import tick as mail_tick
from recordings import jobs as recording_jobs
from rooms.actions import breakouts, presence, surveys
from rooms.actions.publish import OUTBOX
from rooms.clock import BREAKOUTS, HEARTBEAT, worker_clock
from signaling.ratelimit import RateLimiter

logger = logging.getLogger("convene.signaling")
HEARTBEAT_TASK = "convene.presence-heartbeat"
OUTBOX_TASK = "convene.outbox"
MAIL_TASK = "convene.mail"
OnExpired = Callable[[], Awaitable[None]]


def breakout_tick_s() -> float:
    """How often breakout deadlines are checked (BREAKOUT_TICK_S setting or env; 1 s)."""
    return float(getattr(settings, "BREAKOUT_TICK_S", None) or os.environ.get("BREAKOUT_TICK_S") or 1.0)


class WorkerTasks:
    def __init__(self) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.rate_limiter = RateLimiter()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._short: set[asyncio.Task[None]] = set()  # spawn(): running until done, then forgotten
        self._connections: dict[str, OnExpired] = {}
        self._mail_round: asyncio.Future[None] | None = None
        self._next_mail_round = 0.0

    # ---- connections ----------------------------------------------------------------

    def start(self) -> None:
        """Make sure this worker's tasks run in this event loop (cheap when they do)."""
        self.ensure(OUTBOX_TASK, self._outbox)
        self.ensure(HEARTBEAT_TASK, self._heartbeat_loop)

    def attach(self, channel_name: str, on_expired: OnExpired) -> None:
        """A connection whose presence row exists; ``on_expired`` runs if that row is swept."""
        self._connections[channel_name] = on_expired

    def detach(self, channel_name: str) -> None:
        self._connections.pop(channel_name, None)

    @property
    def connections(self) -> list[str]:
        return list(self._connections)

    # ---- tasks ------------------------------------------------------------------------

    def ensure(self, name: str, factory: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None]:
        """The running task called ``name``, started now if there is none in this event loop."""
        task = self._tasks.get(name)
        loop = asyncio.get_running_loop()
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._tasks[name] = loop.create_task(factory(), name=name)
        return task

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """A short task this worker owns (e.g. one trip of joins arriving together): kept until
        it is done, cancelled by ``stop``."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._short.add(task)
        task.add_done_callback(self._short.discard)
        return task

    def running(self) -> dict[str, asyncio.Task[None]]:
        return {name: task for name, task in self._tasks.items() if not task.done()}

    async def stop(self) -> None:
        """Cancel every worker task and forget all state (tests; a real worker just exits)."""
        tasks, self._tasks = [*self._tasks.values(), *self._short], {}
        current = asyncio.get_running_loop()
        for task in tasks:
            if task.get_loop() is current and not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        OUTBOX.close()
        self._mail_round, self._next_mail_round = None, 0.0  # a round on its thread finishes by itself
        self._connections.clear()
        self.rate_limiter = RateLimiter()

    @staticmethod
    def _outbox() -> Coroutine[Any, Any, None]:
        OUTBOX.open()  # now, not when the task first runs: events may be queued before that
        return OUTBOX.run()

    # ---- presence heartbeat -----------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        # The breakout timer ticks in this same loop (more often than the heartbeat): what is
        # due when is rooms.clock's decision; this loop only sleeps and runs it.
        loop = asyncio.get_running_loop()
        clock = worker_clock(loop.time(), tick_s=breakout_tick_s(), heartbeat_s=float(settings.PRESENCE_HEARTBEAT_S))
        jobs = {BREAKOUTS: (self.tick, "breakout timer tick failed; retrying"),
                HEARTBEAT: (self.beat, "presence heartbeat failed; retrying")}
        while True:
            await asyncio.sleep(clock.sleep_s(loop.time()))
            for name in clock.due(loop.time()):
                run, failed = jobs[name]
                try:
                    await run()
                except Exception:  # noqa: BLE001 — a database hiccup must not end the timer or the heartbeat
                    logger.exception(failed)
                clock = clock.ran(name, loop.time())

    async def tick(self) -> None:
        """Deadlines that passed (any convening): breakout countdowns start, rooms close,
        surveys whose session ended are announced."""
        changed = await _off_the_busy_thread(breakouts.tick)()  # never behind a join storm: the heartbeat waits for it
        await _off_the_busy_thread(surveys.prompt_newly_due)()
        self.start_mail_round()
        if _may_use_other_threads():  # recordings: render the stopped ones, delete the expired
            recording_jobs.start_round()
        if changed:
            logger.info("breakout timer changed %d convening(s)", changed)

    def start_mail_round(self) -> asyncio.Future[None] | None:
        """Every MAIL_TICK_S, one round of email (mail.tick: enqueue reminders that are due,
        send the outbox) on a thread of its own, not awaited: an SMTP server that never answers
        holds that thread until EMAIL_TIMEOUT, never this loop or the breakout timer. One round
        at a time per worker; other workers' rounds share the outbox safely (mail.sending)."""
        loop = asyncio.get_running_loop()
        busy = self._mail_round is not None and not self._mail_round.done() and self._mail_round.get_loop() is loop
        if busy or loop.time() < self._next_mail_round or not _may_use_other_threads():
            return None
        self._next_mail_round = loop.time() + float(settings.MAIL_TICK_S)
        self._mail_round = loop.run_in_executor(None, mail_tick.run_in_thread)
        return self._mail_round

    def start_mail(self) -> None:
        """Make sure email rounds run in this event loop even with no live connection (the
        heartbeat, which also starts them, only runs once someone connects): reminders are due
        the day before, when nobody is on the live page. Started by any HTTP request."""
        self.ensure(MAIL_TASK, self._mail_loop)

    async def _mail_loop(self) -> None:
        while True:
            self.start_mail_round()
            await asyncio.sleep(float(settings.MAIL_TICK_S))

    async def beat(self) -> None:
        """One heartbeat: vouch for our connections, drop the dead ones of any worker."""
        expired = await _off_the_busy_thread(presence.heartbeat)(self.connections)
        for channel_name in expired:
            # Our own row was swept (this worker stalled longer than the timeout):
            # close so the browser reconnects and everyone sees it again.
            on_expired = self._connections.pop(channel_name, None)
            if on_expired is not None:
                await on_expired()
        swept = await _off_the_busy_thread(presence.sweep)(float(settings.PRESENCE_TIMEOUT_S))
        if swept:
            logger.info("presence sweep removed %d connection(s) of stopped workers", swept)
        self.rate_limiter.prune()


def _off_the_busy_thread(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run the heartbeat's queries on a thread of their own, not behind the consumers' work on
    the shared database thread: during a join storm that queue grew longer than
    PRESENCE_TIMEOUT_S, late heartbeats got live connections swept, and 1,000 people were
    told to reconnect (bench/plenary_fanout.py). Only an in-memory SQLite database (the test
    database) stays on the shared thread: it cannot be written from two threads safely."""
    return database_sync_to_async(function, thread_sensitive=not _may_use_other_threads())


def _may_use_other_threads() -> bool:
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


WORKER = WorkerTasks()


def mail_started_by_requests(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """ASGI wrapper: an HTTP request (a page, /healthz) starts this worker's email rounds —
    daphne has no startup hook inside its event loop. Cheap once they run."""

    async def serve(scope: dict[str, Any], receive: Callable[..., Awaitable[Any]],
                    send: Callable[..., Awaitable[Any]]) -> None:
        WORKER.start_mail()
        await app(scope, receive, send)

    return serve
