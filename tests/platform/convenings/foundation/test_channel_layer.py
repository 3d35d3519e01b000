from __future__ import annotations

import os
import subprocess
import sys

import pytest
from channels_redis.core import RedisChannelLayer

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


def _layer_backend(env: dict[str, str]) -> str:
    code = ("import django; django.setup(); from channels.layers import get_channel_layer; "
            "print(type(get_channel_layer()).__name__)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True, cwd=os.getcwd())
    return result.stdout.strip()


def test_redis_url_switches_the_layer() -> None:
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH="platform:.")
    assert _layer_backend(base) == "LocalChannelLayer"
    assert _layer_backend({**base, "REDIS_URL": TEST_REDIS_URL}) == "RedisChannelLayer"
