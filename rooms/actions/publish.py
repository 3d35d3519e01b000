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
arriving within a second cost a few fan-outs of the state, not a hundred. Changes
(``publish_merged``: the rooms a late joiner's placement touched) are held the same way and
merged with the newer ones; a change published for the same key without holding (``publish_event``
with ``after_held``) sends the held one first, so clients see versions in order.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

from signaling.protocol import ServerMessage
from signaling.protocol.internal import Deliver, InternalEvent

logger = logging.getLogger("convene.signaling")

Send = Callable[[BaseChannelLayer], Awaitable[None]]
COALESCE_S = 0.25
T = TypeVar("T")


class Held:
    """A change waiting to be merged with newer ones (``publish_merged``), then sent as one event."""

    def __init__(self, group: str, item: Any, merge: Callable[[Any, Any], Any | None],
                 event_of: Callable[[Any], InternalEvent]) -> None:
        self.group, self.item, self.merge, self.event_of = group, item, merge, event_of

    def send(self) -> Send:
        group, event = self.group, self.event_of(self.item).to_event()

        async def send(layer: BaseChannelLayer) -> None:
            await layer.group_send(group, event)
        return send


def convening_group(convening_id: int) -> str:
    return f"convening.{convening_id}"


def space_group(convening_id: int, space: str) -> str:
    return f"convening.{convening_id}.space.{space}"


def participant_group(convening_id: int, participant_id: int) -> str:
    return f"convening.{convening_id}.person.{participant_id}"


def _deliver(group: str, text: str) -> Send:
    async def send(layer: BaseChannelLayer) -> None:
        await layer.group_send(group, Deliver(text=text).to_event())

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
        self._merged: dict[str, Held] = {}

    def open(self) -> None:
        """Start accepting events on the running loop; ``run()`` must follow."""
        self._loop, self._queue = asyncio.get_running_loop(), asyncio.Queue()

    def here(self) -> bool:
        """Is this worker's outbox open on the running loop (a consumer's handler, not a test's loop)?"""
        return self._loop is not None and self._loop is asyncio.get_running_loop()

    def close(self) -> None:
        """Stop queueing (events are sent at once again); the run() task is cancelled by its owner."""
        self._loop = self._queue = None
        self._held = {}
        self._latest = {}
        self._merged = {}

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

    def put(self, send: Send, after_held: str | None = None) -> None:
        """Queue ``send``; ``after_held``: what is held under that key (put_merged) goes first."""
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or loop.is_closed():
            async_to_sync(send)(get_channel_layer())  # no worker loop here: send now
            return
        if after_held is None:
            loop.call_soon_threadsafe(queue.put_nowait, send)
        else:
            loop.call_soon_threadsafe(self._put_after_held, after_held, send)

    def _put_after_held(self, key: str, send: Send) -> None:
        self._release_latest(key)
        self._release_merged(key)
        if self._queue is not None:
            self._queue.put_nowait(send)

    def put_merged(self, key: str, held: Held) -> None:
        """Like ``put_latest``, but a newer item is merged into the held one (``held.merge``;
        None: they do not merge, the held one is sent now and the newer one held instead)."""
        loop = self._loop
        if loop is None or self._queue is None or loop.is_closed():
            self.put(held.send())
            return
        loop.call_soon_threadsafe(self._hold_merged, key, held)

    def _hold_merged(self, key: str, held: Held) -> None:
        older = self._merged.get(key)
        if older is not None:
            merged = older.merge(older.item, held.item)
            if merged is not None:
                older.item = merged
                return
            self._release_merged(key)
        self._merged[key] = held
        if self._loop is not None:
            self._loop.call_later(COALESCE_S, self._release_merged, key, held)

    def _release_merged(self, key: str, only: Held | None = None) -> None:
        """Send what is held under ``key`` (``only``: if it is still that one, the timer's case)."""
        held = self._merged.get(key)
        if held is None or (only is not None and held is not only):
            return
        del self._merged[key]
        if self._queue is not None:
            self._queue.put_nowait(held.send())

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
        publish_event(group, Deliver(text=message.to_json()))


def publish_event(group: str, internal: InternalEvent, *, after_s: float = 0.0, after_held: str | None = None) -> None:
    """Send a consumer event (not a client message: signaling.protocol.internal) to ``group`` after commit.

    ``after_s``: wait that long first (the events queued after this one wait too, so the
    order is kept), e.g. to let a few people's own notices go out before a big fan-out.
    ``after_held``: send what ``publish_merged`` holds under this key first.
    """
    event = internal.to_event()

    async def send(layer: BaseChannelLayer) -> None:
        if after_s:
            await asyncio.sleep(after_s)
        await layer.group_send(group, event)

    # robust: the change is committed either way; a failure is logged, and clients
    # catch up with chat.sync / the welcome when they reconnect.
    transaction.on_commit(partial(OUTBOX.put, send, after_held), robust=True)


def publish_merged(group: str, key: str, item: T, merge: Callable[[T, T], T | None],
                   event_of: Callable[[T], InternalEvent]) -> None:
    """Send ``event_of(item)`` to ``group`` after commit, within COALESCE_S; items published
    meanwhile under ``key`` are merged into it (``merge(older, newer)``, on the worker's loop),
    so a burst of small changes costs each connection one frame, not one per change."""
    transaction.on_commit(partial(OUTBOX.put_merged, key, Held(group, item, merge, event_of)), robust=True)


def publish_latest(group: str, internal: InternalEvent, key: str) -> None:
    """Send a consumer event carrying a whole snapshot to ``group`` after commit, within
    COALESCE_S; a newer one for the same ``key`` sent meanwhile replaces it (versions let
    clients ignore an older snapshot that another path delivered later)."""
    event = internal.to_event()

    async def send(layer: BaseChannelLayer) -> None:
        await layer.group_send(group, event)
    transaction.on_commit(partial(OUTBOX.put_latest, key, send), robust=True)


async def publish_now(group: str, internal: InternalEvent) -> None:
    """From the event loop (a consumer's handler with nothing to commit): send a consumer event
    to ``group`` in order behind the events committed before it."""
    event = internal.to_event()

    async def send(layer: BaseChannelLayer) -> None:
        await layer.group_send(group, event)

    if OUTBOX.here():
        OUTBOX.put(send)
    else:  # no worker's outbox on this loop (a test's own loop): send at once
        await send(get_channel_layer())


def forget_connection(channel_name: str, groups: list[str]) -> None:
    """Take a dead connection (its worker stopped) out of its groups."""

    async def discard(layer: BaseChannelLayer) -> None:
        for group in groups:
            await layer.group_discard(group, channel_name)

    transaction.on_commit(partial(OUTBOX.put, discard), robust=True)
