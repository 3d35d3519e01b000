"""A single-process channel layer that stays fast with a thousand connections.

Channels' InMemoryChannelLayer scans every channel and every group membership
on *each* ``receive()`` to drop expired messages. A fan-out to N connections
makes N receives, so one chat message costs O(N²): 155 ms of layer time at
N = 1,000 on the benchmark machine (bench/plenary_fanout.py, docs/benchmarks.md).
This subclass keeps the stock semantics (expiry, capacity, groups) but

* cleans expired messages at most once per ``CLEAN_EVERY_S`` instead of per receive,
* keeps each waiting consumer's queue instead of building two new ones per message
  (``setdefault(channel, Queue())`` builds its default every time, and the stock
  receive drops the queue whenever it is empty): idle queues go in the periodic clean,
* sends to a group's members in one loop instead of one task per member,
* copies each event shallowly: events are flat dicts of strings and numbers
  (rooms.actions.publish), and consumers never mutate them.

Select it with ``CHANNEL_LAYER_BACKEND=signaling.layers.LocalChannelLayer``.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

CLEAN_EVERY_S = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    _cleaned_at = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: dict[str, int] = {}  # channel → receivers waiting on its queue

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at >= CLEAN_EVERY_S:
            self._cleaned_at = now
            super()._clean_expired()
            for channel, queue in list(self.channels.items()):
                if queue.empty() and channel not in self._waiting:
                    del self.channels[channel]  # nobody listens: a closed connection

    def _queue(self, channel: str) -> asyncio.Queue:  # type: ignore[type-arg]
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def receive(self, channel: str) -> dict[str, Any]:
        if channel not in self.channels:  # checked once, not with a regex per message
            self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        self._waiting[channel] = self._waiting.get(channel, 0) + 1
        try:
            _, message = await queue.get()
        finally:
            left = self._waiting.get(channel, 1) - 1
            if left > 0:
                self._waiting[channel] = left
            else:
                self._waiting.pop(channel, None)
        return message

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        queue = self._queue(channel)
        try:
            queue.put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            try:
                self._put(channel, message)
            except ChannelFull:
                pass  # as the stock layer: a full channel misses this one
