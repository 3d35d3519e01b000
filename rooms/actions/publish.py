"""The one door out: every event for connected browsers leaves through here.

Groups: one per convening (broadcasts, roster changes), one per space (chat,
hand queue) and one per participant (all their tabs: "you're invited to speak",
"you were moved"). Events carry the client message already serialized, so a
fan-out to a thousand connections encodes JSON once.

Sending happens after the transaction commits, through the worker's ``OUTBOX``:
the database thread only queues the event, and one task on the worker's event
loop sends queued events in commit order. So the single database thread never
waits for Redis, and a worker shutting down cannot hang on a half-sent event.
Outside a running worker (management commands, sync tests) events are sent at once.

Roster updates may be *coalesced*: held for up to ``COALESCE_S`` and sent to the
group as one ``batch`` frame. Every frame costs each of N connections a send, so
a thousand people joining at once would otherwise mean N² frames. Whole snapshots
(``publish_latest``: late joiners placed in rooms, each change a new ``breakout.state``)
are held the same way, and a newer one replaces the held one: a hundred late joiners
arriving within a second cost a few fan-outs of the state, not a hundred.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

from signaling.protocol import ServerMessage

logger = logging.getLogger("convene.signaling")

# The consumer method that forwards a serialized client message (ConveningConsumer.deliver).
DELIVER = "deliver"

Send = Callable[[BaseChannelLayer], Awaitable[None]]
COALESCE_S = 0.25


def convening_group(convening_id: int) -> str:
    return f"convening.{convening_id}"


def space_group(convening_id: int, space: str) -> str:
    return f"convening.{convening_id}.space.{space}"


def participant_group(convening_id: int, participant_id: int) -> str:
    return f"convening.{convening_id}.person.{participant_id}"


def _deliver(group: str, text: str) -> Send:
    async def send(layer: BaseChannelLayer) -> None:
        await layer.group_send(group, {"type": DELIVER, "text": text})

    return send


def batch_text(texts: list[str]) -> str:
    """One frame for several serialized messages: signaling.protocol.base.Batch, by concatenation
    (the parts are JSON already; parsing them only to serialize them again would be waste)."""
    return texts[0] if len(texts) == 1 else '{"type":"batch","messages":[' + ",".join(texts) + "]}"


class Outbox:
    """Layer operations queued by database threads, performed in order on the worker's loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Send] | None = None
        self._held: dict[str, list[str]] = {}
        self._latest: dict[str, Send] = {}

    def open(self) -> None:
        """Start accepting events on the running loop; ``run()`` must follow."""
        self._loop, self._queue = asyncio.get_running_loop(), asyncio.Queue()

    def close(self) -> None:
        """Stop queueing (events are sent at once again); the run() task is cancelled by its owner."""
        self._loop = self._queue = None
        self._held = {}
        self._latest = {}

    async def run(self) -> None:
        assert self._queue is not None and self._loop is asyncio.get_running_loop(), "open() first"
        queue = self._queue
        try:
            while True:
                send = await queue.get()
                try:
                    await send(get_channel_layer())
                except Exception:  # noqa: BLE001 — one failed send must not stop the others
                    logger.exception("channel layer send failed")
        finally:
            if self._queue is queue:
                self._loop = self._queue = None

    def put(self, send: Send) -> None:
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or loop.is_closed():
            async_to_sync(send)(get_channel_layer())  # no worker loop here: send now
            return
        loop.call_soon_threadsafe(queue.put_nowait, send)

    def put_coalesced(self, group: str, text: str) -> None:
        """Like ``put``, but held with others for ``group`` for up to COALESCE_S."""
        loop = self._loop
        if loop is None or self._queue is None or loop.is_closed():
            self.put(_deliver(group, text))
            return
        loop.call_soon_threadsafe(self._hold, group, text)

    def _hold(self, group: str, text: str) -> None:
        held = self._held.setdefault(group, [])
        held.append(text)
        if len(held) == 1 and self._loop is not None:
            self._loop.call_later(COALESCE_S, self._release, group)

    def _release(self, group: str) -> None:
        texts = self._held.pop(group, [])
        if texts and self._queue is not None:
            self._queue.put_nowait(_deliver(group, batch_text(texts)))


    def put_latest(self, key: str, send: Send) -> None:
        """Like ``put``, but held for up to COALESCE_S; a newer send with the same ``key``
        replaces the held one (it carries a whole snapshot: only the newest matters)."""
        loop = self._loop
        if loop is None or self._queue is None or loop.is_closed():
            self.put(send)
            return
        loop.call_soon_threadsafe(self._hold_latest, key, send)

    def _hold_latest(self, key: str, send: Send) -> None:
        first = key not in self._latest
        self._latest[key] = send
        if first and self._loop is not None:
            self._loop.call_later(COALESCE_S, self._release_latest, key)

    def _release_latest(self, key: str) -> None:
        send = self._latest.pop(key, None)
        if send is not None and self._queue is not None:
            self._queue.put_nowait(send)


OUTBOX = Outbox()


def publish(group: str, message: ServerMessage, *, coalesce: bool = False) -> None:
    """Send ``message`` to everyone in ``group`` once the current transaction commits.

    ``coalesce``: the message may wait up to COALESCE_S to share a frame (roster updates);
    never for chat or anything else someone is waiting to see.
    """
    if coalesce:
        transaction.on_commit(partial(OUTBOX.put_coalesced, group, message.to_json()), robust=True)
    else:
        publish_event(group, {"type": DELIVER, "text": message.to_json()})


def publish_event(group: str, event: dict[str, Any], *, after_s: float = 0.0) -> None:
    """Send a consumer event (not a client message) to ``group`` after commit.

    ``after_s``: wait that long first (the events queued after this one wait too, so the
    order is kept), e.g. to let a few people's own notices go out before a big fan-out.
    """

    async def send(layer: BaseChannelLayer) -> None:
        if after_s:
            await asyncio.sleep(after_s)
        await layer.group_send(group, event)

    # robust: the change is committed either way; a failure is logged, and clients
    # catch up with chat.sync / the welcome when they reconnect.
    transaction.on_commit(partial(OUTBOX.put, send), robust=True)


def publish_latest(group: str, event: dict[str, Any], key: str) -> None:
    """Send a consumer event carrying a whole snapshot to ``group`` after commit, within
    COALESCE_S; a newer one for the same ``key`` sent meanwhile replaces it (versions let
    clients ignore an older snapshot that another path delivered later)."""
    async def send(layer: BaseChannelLayer) -> None:
        await layer.group_send(group, event)
    transaction.on_commit(partial(OUTBOX.put_latest, key, send), robust=True)


def forget_connection(channel_name: str, groups: list[str]) -> None:
    """Take a dead connection (its worker stopped) out of its groups."""

    async def discard(layer: BaseChannelLayer) -> None:
        for group in groups:
            await layer.group_discard(group, channel_name)

    transaction.on_commit(partial(OUTBOX.put, discard), robust=True)
