"""The faster channel layers (CHANNEL_LAYER_BACKEND): LocalChannelLayer's own rules, and the
live plenary's key behaviours on it and on channels_redis' pub/sub layer."""
from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import ChannelFull

from signaling import layers
from signaling.layers import LocalChannelLayer
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio
FAST = [pytest.param("local", id="local"), pytest.param("pubsub", id="pubsub", marks=pytest.mark.redis)]


async def test_group_send_reaches_members_only() -> None:
    layer = LocalChannelLayer()
    a, b, c = [await layer.new_channel() for _ in range(3)]
    await layer.group_add("plenary", a)
    await layer.group_add("plenary", b)
    await layer.group_send("plenary", {"type": "deliver", "text": "hi"})
    assert await layer.receive(a) == {"type": "deliver", "text": "hi"}
    assert await layer.receive(b) == {"type": "deliver", "text": "hi"}
    await layer.group_discard("plenary", b)
    await layer.group_send("plenary", {"type": "deliver", "text": "again"})
    assert (await layer.receive(a))["text"] == "again"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(c), 0.05)


async def test_each_receiver_gets_its_own_copy() -> None:
    layer = LocalChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    for channel in (a, b):
        await layer.group_add("g", channel)
    await layer.group_send("g", {"type": "deliver", "text": "x"})
    first = await layer.receive(a)
    first["text"] = "changed"
    assert (await layer.receive(b))["text"] == "x"


async def test_a_full_channel_misses_group_messages_but_others_do_not() -> None:
    layer = LocalChannelLayer(capacity=2)
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, fast):
        await layer.group_add("g", channel)
    for n in range(3):
        await layer.group_send("g", {"type": "deliver", "text": str(n)})
        assert (await layer.receive(fast))["text"] == str(n)
    assert [(await layer.receive(slow))["text"] for _ in range(2)] == ["0", "1"]  # "2" was dropped
    await layer.send(slow, {"type": "deliver"})
    await layer.send(slow, {"type": "deliver"})
    with pytest.raises(ChannelFull):  # a direct send says so
        await layer.send(slow, {"type": "deliver"})


async def test_idle_queues_and_expired_messages_are_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = LocalChannelLayer(expiry=1)
    gone, alive = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", gone)
    await layer.send(gone, {"type": "deliver"})  # never received: its consumer closed
    waiter = asyncio.create_task(layer.receive(alive))
    await asyncio.sleep(0)
    monkeypatch.setattr(layers, "CLEAN_EVERY_S", 0.0)
    monkeypatch.setattr(layers.time, "time", lambda: 10**12)  # far in the future: everything expired
    layer._clean_expired()
    assert gone not in layer.channels and gone not in layer.groups.get("g", {})
    assert alive in layer.channels  # someone is waiting on it
    waiter.cancel()


@pytest.mark.parametrize("layer", FAST, indirect=True)
async def test_presence_chat_and_broadcast_on_the_faster_layers(connect: Connect, small: SmallConvening,
                                                                layer: str) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await jordan.expect("presence.joined", lambda m: m["participant"]["participant_id"] == small.pid("maria"))
    await maria.send("chat.send", text="hello")
    assert (await jordan.expect("chat.message"))["seq"] == 1
    await move_to_room(small, "maria")
    await maria.expect("space.entered")
    await jordan.send("broadcast.send", text="Five minutes")
    assert (await maria.expect("broadcast"))["text"] == "Five minutes"
    await maria.close()
    await jordan.expect("presence.left")
