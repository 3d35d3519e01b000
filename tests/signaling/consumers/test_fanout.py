"""The worker's fan-out hub (signaling.consumers.fanout): one subscription per group, every
local connection served, each connection's own filter and order kept, nothing left behind."""
from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from channels.layers import get_channel_layer

from rooms.actions.publish import convening_group, space_group
from signaling.consumers import breakout_events
from signaling.consumers.direct_write import Frame
from signaling.consumers.fanout import FanoutHub, Member, hub_for, route
from signaling.layers import LocalChannelLayer
from signaling.protocol.internal import Deliver
from signaling.protocol.internal.breakouts import Follow, Lines
from signaling.protocol.internal.media import AllowScreen
from tests.services import TEST_REDIS_URL
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio


class Sink:
    """A connection's socket and consumer, as a Member sees them."""

    def __init__(self, name: str, participant_id: int = 0, staff: bool = False) -> None:
        self.frames: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.member = Member(name)
        self.member.attach(participant_id, staff, self.write, self.handle)
        self.handled = asyncio.Event()
        self.hold: asyncio.Event | None = None  # set: the handler waits for it (a database trip)

    def write(self, frame: Frame) -> None:
        self.frames.append(frame.text)

    async def handle(self, event: dict[str, Any]) -> None:
        if self.hold is not None:
            await self.hold.wait()
        self.events.append(event)
        self.frames.append(f"handled:{event.get('space', event['type'])}")
        self.handled.set()


async def _idle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# ---- one connection's lane ---------------------------------------------------------------------


async def test_an_idle_lane_writes_at_once() -> None:
    sink = Sink("a")
    await sink.member.offer(Frame("one"))
    assert sink.frames == ["one"] and len(sink.member.tasks) == 0  # no task for a plain frame


async def test_frames_wait_for_the_consumers_turn_and_keep_their_order() -> None:
    sink = Sink("a")

    async def welcome() -> None:  # the consumer's own work, e.g. the join: its frames come first
        await sink.member.offer(Frame("chat 1"))  # raced the welcome: must not overtake it
        await asyncio.sleep(0.01)
        sink.write(Frame("welcome"))
        await sink.member.offer(Frame("chat 2"))

    await sink.member.turn(welcome)
    assert sink.frames == ["welcome", "chat 1", "chat 2"]
    await sink.member.offer(Frame("chat 3"))
    assert sink.frames[-1] == "chat 3"


async def test_a_consumer_event_goes_in_turn_and_later_frames_wait_behind_it() -> None:
    sink = Sink("a")
    sink.hold = asyncio.Event()
    await sink.member.offer(Frame("notice"))
    sink.member.offer_event(Follow(space="room-1").to_event())
    await sink.member.offer(Frame("state"))  # must follow the space.entered of the move
    await _idle()
    assert sink.frames == ["notice"] and sink.member.backlog == 1  # the event is being handled
    sink.hold.set()
    await asyncio.wait_for(sink.handled.wait(), 1)
    await _idle()
    assert sink.frames == ["notice", "handled:room-1", "state"]
    assert len(sink.member.tasks) == 0  # the drainer ended


async def test_close_cancels_the_lanes_pending_work() -> None:
    sink = Sink("a")
    sink.hold = asyncio.Event()  # never set: a follow stuck on the database
    sink.member.offer_event(Follow(space="room-1").to_event())
    await sink.member.offer(Frame("state"))
    await _idle()
    drainers = [t for t in asyncio.all_tasks() if t.get_name() == "convene.lane a"]
    assert len(drainers) == 1 and not drainers[0].done()
    await sink.member.close()
    assert drainers[0].cancelled() and len(sink.member.tasks) == 0 and sink.member.backlog == 0
    assert sink.frames == []


async def test_one_failed_write_does_not_stall_the_lane() -> None:
    sink = Sink("a")

    async def fail() -> None:
        raise RuntimeError("boom")

    sink.hold = asyncio.Event()
    sink.member.offer_event(Follow(space="room-1").to_event())
    sink.member.offer_call(fail)
    await sink.member.offer(Frame("after"))
    sink.hold.set()
    await asyncio.wait_for(sink.handled.wait(), 1)
    await _idle()
    assert sink.frames == ["handled:room-1", "after"]


# ---- the hub ----------------------------------------------------------------------------------


async def _until(condition: Any, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_one_subscription_per_group_reaches_every_local_member() -> None:
    layer = LocalChannelLayer()
    hub = hub_for(layer)
    sinks = [Sink(f"m{n}") for n in range(50)]
    for sink in sinks:
        await hub.join("convening.1", sink.member)
    assert len(layer.groups["convening.1"]) == 1  # the worker, not each connection
    await layer.group_send("convening.1", Deliver(text="hello").to_event())
    await _until(lambda: all(s.frames for s in sinks))
    assert all(s.frames == ["hello"] for s in sinks)
    for sink in sinks:
        await hub.leave("convening.1", sink.member)
    assert not layer.groups.get("convening.1") and hub.feeds == {}
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("convene.fanout")]


async def test_a_member_who_left_hears_nothing_more() -> None:
    layer = LocalChannelLayer()
    hub = hub_for(layer)
    stays, goes = Sink("stays"), Sink("goes")
    for sink in (stays, goes):
        await hub.join("g", sink.member)
    await hub.leave("g", goes.member)
    await layer.group_send("g", Deliver(text="x").to_event())
    await _until(lambda: stays.frames)
    await _idle()
    assert goes.frames == [] and stays.frames == ["x"]
    await hub.leave("g", stays.member)


async def test_other_events_reach_each_consumers_handler() -> None:
    sinks = [Sink("a"), Sink("b")]
    event = AllowScreen(allowed=True).to_event()  # a person's event, were it sent to a shared group
    await route([s.member for s in sinks], event)
    await _until(lambda: all(s.events for s in sinks))
    assert all(s.events == [event] for s in sinks)


async def test_breakout_lines_are_chosen_per_connection_and_the_moved_are_told_first() -> None:
    moderator, moved, other = Sink("mod", 1, staff=True), Sink("moved", 2), Sink("other", 3)
    event = Lines(version=7, moves={"2": "room-1"}, notices={"room-1": '{"type":"breakout.assigned"}'},
                  fresh=["room-1"], public=['{"type":"breakout.state","for":"all"}'],
                  staff=['{"type":"breakout.state","for":"staff"}', '{"type":"help.queue"}'])
    await breakout_events.fan_out([moderator.member, moved.member, other.member], event.to_event())
    await _until(lambda: moved.events)
    await _idle()
    assert moderator.frames == ['{"type":"breakout.state","for":"staff"}', '{"type":"help.queue"}']
    assert other.frames == ['{"type":"breakout.state","for":"all"}']
    assert moved.frames == ['{"type":"breakout.assigned"}', "handled:room-1", '{"type":"breakout.state","for":"all"}']
    assert moved.events == [Follow(space="room-1", fresh=True, version=7).to_event()]


async def test_the_hub_belongs_to_one_layer_and_one_loop() -> None:
    first, second = LocalChannelLayer(), LocalChannelLayer()
    assert hub_for(first) is hub_for(first) and hub_for(first) is not hub_for(second)
    assert isinstance(hub_for(first), FanoutHub)


# ---- the live consumer ------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["memory", pytest.param("pubsub", marks=pytest.mark.redis)], indirect=True)
async def test_chat_reaches_every_connection_through_the_workers_subscription(
        connect: Connect, small: SmallConvening, layer: str) -> None:
    names = ["maria", "jordan", "james", "aisha"]
    clients = [await connect(name) for name in names]
    hub = hub_for(get_channel_layer())
    plenary = space_group(small.convening.id, "plenary")
    assert len(hub.feeds[plenary].members) == 4 and len(hub.feeds[convening_group(small.convening.id)].members) == 4
    await clients[0].send("chat.send", text="to everyone")
    for client in clients:
        message = await client.expect("chat.message")
        assert message["text"] == "to everyone" and message["seq"] == 1
    for client in clients:
        await client.close()
    await _until(lambda: not hub.feeds)  # the last one out unsubscribes the worker


async def test_a_closed_connection_leaves_its_groups_and_tasks(connect: Connect, small: SmallConvening) -> None:
    maria, jordan = await connect("maria"), await connect("jordan")
    hub = hub_for(get_channel_layer())
    feeds = [hub.feeds[convening_group(small.convening.id)], hub.feeds[space_group(small.convening.id, "plenary")]]
    await maria.close()
    assert all(len(feed.members) == 1 for feed in feeds)
    await maria_gone_from_chat(jordan)
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("convene.lane")]


async def maria_gone_from_chat(jordan: Any) -> None:
    await jordan.send("chat.send", text="still here")
    assert (await jordan.expect("chat.message"))["text"] == "still here"


# ---- two workers sharing Redis ----------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["channels_redis.pubsub.RedisPubSubChannelLayer",
                                     "signaling.redis_layer.RedisChannelLayer"])
async def test_two_workers_hubs_share_a_group_through_redis(backend: str) -> None:
    from django.utils.module_loading import import_string

    prefix = f"convene-test-fanout-{secrets.token_hex(3)}"
    layers = [import_string(backend)(hosts=[TEST_REDIS_URL], prefix=prefix) for _ in range(3)]
    hubs = [FanoutHub(layer) for layer in layers[:2]]  # two workers; the third layer only sends
    sinks = [[Sink(f"w{w}m{n}") for n in range(3)] for w in range(2)]
    try:
        for hub, workers_sinks in zip(hubs, sinks):
            for sink in workers_sinks:
                await hub.join("convening.9", sink.member)
        for n in range(3):
            await layers[2].group_send("convening.9", Deliver(text=f"chat {n}").to_event())
        everyone = [s for workers_sinks in sinks for s in workers_sinks]
        await _until(lambda: all(len(s.frames) == 3 for s in everyone), timeout=5)
        assert all(s.frames == ["chat 0", "chat 1", "chat 2"] for s in everyone)
    finally:
        for hub, workers_sinks in zip(hubs, sinks):
            for sink in workers_sinks:
                await hub.leave("convening.9", sink.member)
        for layer in layers:
            await layer.flush()
