"""A media worker that dies: its connections start over on the live ones.

One watch per web process (per event loop), started by the first media session that uses a
media worker and living as long as the loop (like relay.py's reply reader): every
``WATCH_S`` it reads which workers are alive (their heartbeats, placement.py) and tells each
session of this process whose worker is gone. The session forgets its media and sends
``media.reconnect`` (``worker_lost``): the client starts over with an initial offer, which the
placement sends to a live worker, and in a cascaded plenary the relay brings that worker the
stage it now needs. Time to move: the heartbeat's expiry (placement.HEARTBEAT_TTL_S) + WATCH_S
+ the client's new connection.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from signaling.media.placement import get_placement

logger = logging.getLogger("convene.media")
WATCH_S = 0.5


class _Watch:
    def __init__(self, sessions: Callable[[], Iterable[tuple[str, Callable[[], None]]]]) -> None:
        self.loop = asyncio.get_running_loop()
        self.sessions = sessions
        self.task = self.loop.create_task(self._run(), name="media-failover")

    def usable(self) -> bool:
        return self.loop is asyncio.get_running_loop() and not self.task.done()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(WATCH_S)
            try:
                alive = await get_placement().alive()
            except Exception:  # noqa: BLE001 — Redis hiccup: no verdict this round
                logger.warning("media failover: reading the workers' heartbeats failed", exc_info=True)
                continue
            if not alive:
                continue  # Redis emptied or every worker gone: moving people nowhere helps nobody
            for worker, lost in self.sessions():
                if worker not in alive:
                    lost()


_watch: _Watch | None = None


def watch(sessions: Callable[[], Iterable[tuple[str, Callable[[], None]]]]) -> None:
    """Start this process's watch if it does not run yet. ``sessions()`` lists, for each media
    session on a worker, that worker's name and what to call when it is gone."""
    global _watch
    if _watch is None or not _watch.usable():
        _watch = _Watch(sessions)
