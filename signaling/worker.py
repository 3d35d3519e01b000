"""What one daphne worker runs besides its connections: the presence heartbeat.

``WORKER`` is this process's registry. The first connection starts the
heartbeat (lazily, because daphne gives no startup hook that runs inside its
event loop); later connections find it running. Every ``PRESENCE_HEARTBEAT_S``
it vouches for this worker's connections (``last_seen``) and sweeps connections
nobody has vouched for in ``PRESENCE_TIMEOUT_S`` — those of a worker that died.
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

from rooms.actions import presence
from signaling.ratelimit import RateLimiter

logger = logging.getLogger("convene.signaling")
HEARTBEAT_TASK = "convene.presence-heartbeat"
OnExpired = Callable[[], Awaitable[None]]


class WorkerTasks:
    def __init__(self) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.rate_limiter = RateLimiter()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._connections: dict[str, OnExpired] = {}

    # ---- connections ----------------------------------------------------------------

    def attach(self, channel_name: str, on_expired: OnExpired) -> None:
        """A connection whose presence row exists; ``on_expired`` runs if that row is swept."""
        self._connections[channel_name] = on_expired
        self.ensure(HEARTBEAT_TASK, self._heartbeat_loop)

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

    def running(self) -> dict[str, asyncio.Task[None]]:
        return {name: task for name, task in self._tasks.items() if not task.done()}

    async def stop(self) -> None:
        """Cancel every worker task and forget all state (tests; a real worker just exits)."""
        tasks, self._tasks = list(self._tasks.values()), {}
        current = asyncio.get_running_loop()
        for task in tasks:
            if task.get_loop() is current and not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._connections.clear()
        self.rate_limiter = RateLimiter()

    # ---- presence heartbeat -----------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(float(settings.PRESENCE_HEARTBEAT_S))
            try:
                await self.beat()
            except Exception:  # noqa: BLE001 — a database hiccup must not end the heartbeat
                logger.exception("presence heartbeat failed; retrying in %ss", settings.PRESENCE_HEARTBEAT_S)

    async def beat(self) -> None:
        """One heartbeat: vouch for our connections, drop the dead ones of any worker."""
        expired = await database_sync_to_async(presence.heartbeat)(self.connections)
        for channel_name in expired:
            # Our own row was swept (this worker stalled longer than the timeout):
            # close so the browser reconnects and everyone sees it again.
            on_expired = self._connections.pop(channel_name, None)
            if on_expired is not None:
                await on_expired()
        swept = await database_sync_to_async(presence.sweep)(float(settings.PRESENCE_TIMEOUT_S))
        if swept:
            logger.info("presence sweep removed %d connection(s) of stopped workers", swept)
        self.rate_limiter.prune()


WORKER = WorkerTasks()
