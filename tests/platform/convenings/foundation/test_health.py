from __future__ import annotations

import pytest
from django.test import AsyncClient, override_settings

from tests.services import TEST_REDIS_URL, free_port, redis_layer_config

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_healthz_reports_database_and_layer_up() -> None:
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["channel_layer"]["ok"]


@pytest.mark.redis
async def test_healthz_up_on_real_redis() -> None:
    with override_settings(CHANNEL_LAYERS=redis_layer_config(TEST_REDIS_URL)):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        response = await AsyncClient().get("/healthz")
        body = response.json()
        assert response.status_code == 200, body
        assert body["channel_layer"]["backend"] == "RedisChannelLayer"
    channel_layers.backends.clear()


@pytest.mark.redis
async def test_healthz_is_503_when_redis_is_down() -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CHANNEL_LAYERS=redis_layer_config(closed)):
        from channels.layers import channel_layers

        channel_layers.backends.clear()
        response = await AsyncClient().get("/healthz")
        body = response.json()
        assert response.status_code == 503
        assert body["status"] == "unavailable"
        assert body["database"]["ok"] and not body["channel_layer"]["ok"]
        assert "error" in body["channel_layer"]
    channel_layers.backends.clear()
