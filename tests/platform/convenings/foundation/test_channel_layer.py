from __future__ import annotations

import asyncio
import os
import random
import secrets
import subprocess
import sys

import pytest

from signaling.redis_layer import RedisChannelLayer
from tests.services import TEST_REDIS_URL

pytestmark = pytest.mark.redis


@pytest.mark.asyncio
async def test_message_crosses_between_two_layer_instances_through_redis() -> None:
    sender = RedisChannelLayer(hosts=[TEST_REDIS_URL], prefix="convene-test-xlayer")
    receiver = RedisChannelLayer(hosts=[TEST_REDIS_URL], prefix="convene-test-xlayer")
    channel = await receiver.new_channel()
    await receiver.group_add("plenary-test", channel)
    await sender.group_send("plenary-test", {"type": "chat.message", "text": "hello across workers"})
    message = await receiver.receive(channel)
    assert message == {"type": "chat.message", "text": "hello across workers"}
    await receiver.group_discard("plenary-test", channel)
    await sender.close_pools()
    await receiver.close_pools()


@pytest.mark.asyncio
async def test_connections_closing_mid_receive_lose_nobody_elses_messages() -> None:
    """Every connection of a worker reads from one Redis list. A connection closing (its
    receive cancelled) while another's message is on its way must not take that message
    with it: channels_redis as shipped lost about one in twenty here (django/channels_redis#366)."""
    prefix = f"convene-test-churn-{secrets.token_hex(3)}"
    worker, sender = RedisChannelLayer(hosts=[TEST_REDIS_URL], prefix=prefix), \
        RedisChannelLayer(hosts=[TEST_REDIS_URL], prefix=prefix)
    staying = await worker.new_channel()
    heard: list[int] = []
    rng = random.Random(7)

    async def listen() -> None:
        while True:
            heard.append((await worker.receive(staying))["n"])

    async def come_and_go() -> None:  # people joining and leaving the same worker, all along
        while True:
            passing = asyncio.ensure_future(worker.receive(await worker.new_channel()))
            await asyncio.sleep(rng.random() * 0.004)
            passing.cancel()
            await asyncio.gather(passing, return_exceptions=True)

    tasks = [asyncio.ensure_future(listen()), asyncio.ensure_future(come_and_go())]
    sent = 600
    try:
        for n in range(sent):
            await sender.send(staying, {"type": "chat.message", "n": n})
            await asyncio.sleep(rng.random() * 0.002)
        for _ in range(100):
            if len(heard) == sent:
                break
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await worker.flush()
        await sender.close_pools()
    assert heard == list(range(sent))  # every message, in order


@pytest.mark.asyncio
async def test_with_channels_redis_internals_changed_messages_still_cross(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cancel-safe reading uses channels_redis internals (signaling.adapters): on a version
    they no longer fit, receiving is channels_redis's own, and messages still arrive."""
    from signaling import adapters

    monkeypatch.setattr(adapters, "usable", lambda adapter: adapter is not adapters.REDIS_RECEIVE)
    prefix = f"convene-test-fallback-{secrets.token_hex(3)}"
    sender, receiver = (RedisChannelLayer(hosts=[TEST_REDIS_URL], prefix=prefix) for _ in range(2))
    channel = await receiver.new_channel()
    await sender.send(channel, {"type": "chat.message", "text": "as channels_redis ships"})
    assert (await receiver.receive(channel))["text"] == "as channels_redis ships"
    assert receiver._reader is None  # its own reader never started
    await receiver.flush()
    await sender.close_pools()


def _layer_backend(env: dict[str, str]) -> str:
    code = ("import django; django.setup(); from channels.layers import get_channel_layer; "
            "layer = type(get_channel_layer()); print(layer.__module__ + '.' + layer.__name__)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True, cwd=os.getcwd())
    return result.stdout.strip()


def test_redis_url_switches_the_layer() -> None:
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH="platform:.")
    assert _layer_backend(base) == "signaling.layers.LocalChannelLayer"
    assert _layer_backend({**base, "REDIS_URL": TEST_REDIS_URL}) == "signaling.redis_layer.RedisChannelLayer"
