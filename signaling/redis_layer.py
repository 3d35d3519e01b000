"""channels_redis's core layer, minus the messages it loses when a receive is cancelled.

All of a process's own channels (``specific.<id>!<name>``: every connection, every fan-out
feed) share one Redis list. channels_redis reads it in whichever ``receive()`` holds its lock
at the moment, and files what it reads under the channel it was for. When that receive is
cancelled (a connection closed, a feed torn down) while its ``BZPOPMIN`` is out, Redis has
popped the message but nobody reads the answer: the message, meant for *another* connection,
is gone (django/channels_redis#366). One in twenty in a churn test; in CI, a moderator's
"rounds stopped" state once every few hundred runs.

Here one task per process (``_receive_forever``) does all the reading and is never cancelled
while connections are served; a ``receive()`` only waits on its channel's buffer, and
cancelling that loses nothing. It also outlives a Redis outage (it retries, and says so once)
instead of raising into every consumer.

It uses channels_redis internals (``PRIVATE_NAMES``; pinned in ``signaling.adapters``): if they
no longer fit, receiving falls back to channels_redis's own ``receive``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer

from signaling import adapters

logger = logging.getLogger("convene.signaling")

RETRY_S = 1.0
READER_TASK = "convene.redis-layer reader"  # one per worker process, like the heartbeat
GONE_FOR_S = 600.0  # how long messages to a closed channel are dropped rather than buffered

# channels_redis's receive() files what it reads in ``receive_buffer`` by channel, via
# ``receive_single`` on the process's list (``non_local_name``, ending in ``client_prefix``).
PRIVATE_NAMES: tuple[tuple[Any, tuple[str, ...]], ...] = (
    ("channels_redis.core:RedisChannelLayer.receive",
     ("receive_buffer", "receive_single", "non_local_name", "client_prefix")),
    ("channels_redis.core:RedisChannelLayer.__init__", ("receive_buffer", "client_prefix")),
)


class RedisChannelLayer(StockRedisChannelLayer):  # type: ignore[misc]  # channels_redis has no types
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reader: asyncio.Task[None] | None = None
        self._gone: dict[str, float] = {}  # closed channel -> when (messages to it are dropped)

    async def receive(self, channel: str) -> dict[str, Any]:
        if "!" not in channel or not adapters.usable(adapters.REDIS_RECEIVE):
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        process_list = self.non_local_name(channel)
        assert process_list.endswith(self.client_prefix + "!"), "Wrong client prefix"
        self._gone.pop(channel, None)
        self._keep_reading(process_list)
        queue = self.receive_buffer[channel]
        try:
            # asyncio.Queue.get is cancel-safe: a message is taken only when get returns.
            message: dict[str, Any] = await queue.get()
        except asyncio.CancelledError:
            self._close(channel)
            raise
        return message

    def _close(self, channel: str) -> None:
        """Its receiver went away (a closed connection): forget its buffer, drop what follows."""
        now = time.monotonic()
        self.receive_buffer.pop(channel, None)
        self._gone = {name: at for name, at in self._gone.items() if now - at < GONE_FOR_S}
        self._gone[channel] = now

    def _keep_reading(self, process_list: str) -> None:
        reader = self._reader
        loop = asyncio.get_running_loop()
        if reader is not None and not reader.done():
            if reader.get_loop() is loop:
                return
            if not reader.get_loop().is_closed():
                raise RuntimeError("Two event loops are trying to receive() on one channel layer at once!")
        self._reader = loop.create_task(self._receive_forever(process_list), name=READER_TASK)

    async def _receive_forever(self, process_list: str) -> None:
        failing = False
        while True:
            try:
                target, message = await self.receive_single(process_list)
            except Exception:  # noqa: BLE001 — Redis away: the receivers wait, this retries
                if not failing:
                    logger.warning("reading this process's channels from Redis failed; retrying every %ss",
                                   RETRY_S, exc_info=True)
                failing = True
                await asyncio.sleep(RETRY_S)
                continue
            if failing:
                logger.warning("reading this process's channels from Redis works again")
                failing = False
            for name in target if isinstance(target, list) else [target]:
                if name not in self._gone:
                    self.receive_buffer[name].put_nowait(message)

    async def _stop_reading(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done() and reader.get_loop() is asyncio.get_running_loop():
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def flush(self) -> None:
        await self._stop_reading()
        await super().flush()

    async def close_pools(self) -> None:
        await self._stop_reading()
        await super().close_pools()
