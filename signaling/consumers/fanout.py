"""Per-worker fan-out: one channel-layer subscription per group, frames written in one loop.

Before, every connection was a member of the convening's group and of its space's group
on the channel layer: a chat message to 1,000 people was 1,000 layer messages, 1,000
consumer wake-ups (Channels' ``await_many_dispatch``: a new task and an ``asyncio.wait``
each) and 1,000 trips through daphne's ASGI ``send`` — ~100 µs of CPU per delivered frame
(docs/benchmarks.md, "Plenary fan-out"). Now each worker's ``FanoutHub`` joins each such
group once (a ``Feed``: a channel of its own and one receiving task) and hands every event
to the worker's local members in one loop: a ``deliver`` is framed once and written to each
socket (signaling.consumers.direct_write); a ``breakouts.event`` is split per connection by
signaling.consumers.breakout_events.fan_out; anything else goes to each connection's handler.

Participant groups stay ordinary channel-layer groups of the consumer (one member each;
media workers and other workers send there).

Order. Each connection's frames keep the order they had when every event went through the
consumer's own queue: a ``Member`` is a connection's *lane*. While the consumer handles a
message of its own (the welcome, a move, a reply) it holds the lane's turn; frames that
arrive meanwhile wait in the lane's backlog and are written, in order, when the turn ends.
A frame for an idle lane is written at once. Work that needs the consumer (following a
move) always waits its turn, in a task the lane owns, cancelled when the socket closes.

Memberships outlive the layer's memory. channels_redis keeps a group's members in a Redis
key; a Redis restarted without persistence (docker-compose.yml) forgets them, and this
worker would go on listening to groups nobody sends it anything through: every client on
it deaf, newcomers too, until the worker restarted (a feed is joined once). So while the
hub has feeds it adds them again every ``refresh_s()`` (a group_add is idempotent and
cheap: one ZADD per group per worker), and with them the memberships connections ``hold``
directly (their participant group). A Redis back from a restart is heard again within
one refresh, by the connections that were open and those that open after.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from channels.layers import BaseChannelLayer
from django.conf import settings

from signaling.consumers import breakout_events
from signaling.consumers.connection import ConnectionTasks
from signaling.consumers.direct_write import Frame
from signaling.protocol.internal import DELIVER, DELIVER_EVENT, parse
from signaling.protocol.internal.breakouts import BREAKOUTS

logger = logging.getLogger("convene.signaling")

Write = Callable[[Frame], Awaitable[None] | None]  # a direct writer returns None; an ASGI send, a coroutine
Call = Callable[[], Awaitable[None]]
RETRY_S = 1.0
REFRESH_TASK = "convene.memberships"


def refresh_s() -> float:
    """How often memberships are added again: the presence heartbeat's period (5 s; tests 1 s)."""
    return float(getattr(settings, "PRESENCE_HEARTBEAT_S", 5.0))


class Member:
    """One connection as the hub sees it: who it is, and its lane (ordered delivery)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.participant_id = 0
        self.staff = False
        self._write: Write | None = None
        self._handle: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self._turn = asyncio.Lock()
        self._backlog: deque[Frame | Call] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.tasks = ConnectionTasks()  # the drainer; cancelled by close()

    def attach(self, participant_id: int, staff: bool, write: Write,
               handle: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Once admitted: who this is, how to write a frame, and the consumer's event handler."""
        self.participant_id, self.staff, self._write, self._handle = participant_id, staff, write, handle

    # ---- the consumer's side ----------------------------------------------------------------

    async def turn(self, work: Call) -> None:
        """Run the consumer's own work with the lane held, then write what arrived meanwhile."""
        async with self._turn:
            try:
                await work()
            except BaseException:
                self._kick()  # what arrived meanwhile still goes out, once the turn is free
                raise
            await self._drain()

    async def close(self) -> None:
        """The socket closed: drop the backlog and cancel the drainer (awaited)."""
        self._backlog.clear()
        await self.tasks.cancel_all()

    # ---- the hub's side -----------------------------------------------------------------------

    async def offer(self, frame: Frame) -> None:
        """Write ``frame`` now if the lane is idle, else after what is ahead of it."""
        if self._backlog or self._turn.locked():
            self._queue(frame)
        else:
            await self._emit(frame)

    def offer_event(self, event: dict[str, Any]) -> None:
        """An event for the consumer's handler: always in turn, in a task of this lane."""
        handle = self._handle
        if handle is not None:
            self._queue(lambda: handle(event))

    def offer_call(self, call: Call) -> None:
        self._queue(call)

    @property
    def backlog(self) -> int:
        return len(self._backlog)

    def _queue(self, item: Frame | Call) -> None:
        self._backlog.append(item)
        if not self._turn.locked():
            self._kick()
        # else: the turn's holder (consumer or drainer) drains before letting go

    def _kick(self) -> None:
        if self._drainer is None and self._backlog:
            self._drainer = self.tasks.spawn(self._drain_in_turn(), name=f"convene.lane {self.name}")

    async def _drain_in_turn(self) -> None:
        try:
            async with self._turn:
                await self._drain()
        finally:
            self._drainer = None

    async def _drain(self) -> None:
        while self._backlog:
            item = self._backlog.popleft()
            try:
                if isinstance(item, Frame):
                    await self._emit(item)
                else:
                    await item()
            except Exception:  # noqa: BLE001 — one failed delivery must not stall the lane
                logger.exception("delivery to %s failed", self.name)

    async def _emit(self, frame: Frame) -> None:
        if self._write is None:
            return
        pending = self._write(frame)
        if pending is not None:
            await pending


class Feed:
    """This worker's subscription to one group: a channel of its own, one receiving task."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.members: dict[Member, None] = {}  # insertion-ordered set
        self.channel = ""
        self.ready: asyncio.Future[None] | None = None
        self.receiver: asyncio.Task[None] | None = None


class FanoutHub:
    """The worker's feeds, for one channel layer on one event loop (see ``hub_for``)."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.feeds: dict[str, Feed] = {}
        self.held: dict[tuple[str, str], None] = {}  # (group, channel) a connection joined itself
        self._teardowns: set[asyncio.Task[None]] = set()
        self._refresher: asyncio.Task[None] | None = None

    async def hold(self, group: str, channel: str) -> None:
        """Add ``channel`` to ``group`` on the layer, and again on every refresh until ``release``."""
        self.held[(group, channel)] = None
        await self.layer.group_add(group, channel)

    async def release(self, group: str, channel: str) -> None:
        self.held.pop((group, channel), None)
        await self._discard(group, channel)

    async def join(self, group: str, member: Member) -> None:
        """Add ``member``; returns once this worker receives the group's events."""
        feed = self.feeds.get(group)
        if feed is None:
            feed = self.feeds[group] = Feed(group)
            feed.ready = asyncio.ensure_future(self._subscribe(feed))
            self._keep_refreshing()
        feed.members[member] = None
        assert feed.ready is not None
        await asyncio.shield(feed.ready)

    async def leave(self, group: str, member: Member) -> None:
        feed = self.feeds.get(group)
        if feed is None or member not in feed.members:
            return
        del feed.members[member]
        if feed.members:
            return
        del self.feeds[group]  # the last one here: unsubscribe (a later joiner gets a new feed)
        if not self.feeds and self._refresher is not None:
            self._refresher.cancel()  # nothing left to refresh; the next join starts it again
            self._refresher = None
        task = asyncio.ensure_future(self._unsubscribe(feed))
        self._teardowns.add(task)  # kept until done, even if the caller is cancelled
        task.add_done_callback(self._teardowns.discard)
        await asyncio.shield(task)

    def _keep_refreshing(self) -> None:
        if self._refresher is None or self._refresher.done():
            self._refresher = self.loop.create_task(self._refresh_forever(), name=REFRESH_TASK)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(refresh_s())
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 — e.g. Redis still down: the next round tries again
                logger.warning("could not renew this worker's group memberships; retrying in %ss",
                               refresh_s(), exc_info=True)

    async def refresh(self) -> None:
        """Add every feed and held membership again (idempotent): a restarted layer forgot them."""
        # Each checked just before: one that left meanwhile is not added back (its channel
        # has no receiver any more, and messages would pile up there until they expire).
        for feed in list(self.feeds.values()):
            if feed.receiver is not None and self.feeds.get(feed.group) is feed:  # in progress: adds itself
                await self.layer.group_add(feed.group, feed.channel)
        for membership in list(self.held):
            if membership in self.held:
                await self.layer.group_add(*membership)

    async def _subscribe(self, feed: Feed) -> None:
        try:
            feed.channel = await self.layer.new_channel()
            await self.layer.group_add(feed.group, feed.channel)
        except BaseException:
            if self.feeds.get(feed.group) is feed:
                del self.feeds[feed.group]  # the next joiner tries again
            raise
        feed.receiver = self.loop.create_task(self._receive(feed), name=f"convene.fanout {feed.group}")

    async def _unsubscribe(self, feed: Feed) -> None:
        if feed.ready is not None:
            try:
                await feed.ready
            except Exception:  # noqa: BLE001 — never subscribed: nothing to undo
                return
        if feed.receiver is not None:
            feed.receiver.cancel()
            await asyncio.gather(feed.receiver, return_exceptions=True)
        await self._discard(feed.group, feed.channel)

    async def _discard(self, group: str, channel: str) -> None:
        """Leave ``group`` on the layer; if the layer is down, leave anyway (a restarted Redis
        has forgotten the membership, one that stays expires after the layer's group_expiry)."""
        try:
            await self.layer.group_discard(group, channel)
        except Exception:  # noqa: BLE001 — the connection is gone either way
            logger.warning("could not take %s out of group %s", channel, group, exc_info=True)

    async def _receive(self, feed: Feed) -> None:
        while True:
            try:
                event = await self.layer.receive(feed.channel)
            except Exception:  # noqa: BLE001 — e.g. Redis restarting: keep listening, as consumers did
                logger.exception("receiving group %s failed; retrying", feed.group)
                await asyncio.sleep(RETRY_S)
                continue
            try:
                await route(list(feed.members), event)
            except Exception:  # noqa: BLE001 — the feed outlives one bad event
                logger.exception("fan-out of %s to group %s failed", event.get("type"), feed.group)


async def route(members: Iterable[Member], event: dict[str, Any]) -> None:
    """One group event to this worker's members of that group."""
    kind = event.get("type")
    if kind == DELIVER:
        deliver = parse(DELIVER_EVENT, event, "a worker's fan-out")
        if deliver is None:
            return
        frame = Frame(deliver.text)  # framed once, for everyone
        for member in members:
            await member.offer(frame)
    elif kind == BREAKOUTS:
        await breakout_events.fan_out(list(members), event)
    else:
        for member in members:
            member.offer_event(event)


_hubs: weakref.WeakKeyDictionary[BaseChannelLayer, FanoutHub] = weakref.WeakKeyDictionary()


def hub_for(layer: BaseChannelLayer) -> FanoutHub:
    """This worker's hub for ``layer`` (tests switch layers and event loops: one hub per pair)."""
    hub = _hubs.get(layer)
    if hub is None or hub.loop is not asyncio.get_running_loop():
        hub = _hubs[layer] = FanoutHub(layer)
    return hub
