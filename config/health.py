"""/healthz: is this worker able to serve? Database and channel layer, as JSON."""
from __future__ import annotations

import asyncio
import uuid

from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from asgiref.sync import sync_to_async

CHECK_TIMEOUT_S = 2.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer() -> str:
    """Send a message to ourselves through the layer and read it back."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")
    return type(layer).__name__


async def _timed(check: object) -> dict[str, object]:
    try:
        detail = await asyncio.wait_for(check, CHECK_TIMEOUT_S)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 — any failure means "down", reported as such
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, **({"backend": detail} if detail else {})}


async def healthz(request: HttpRequest) -> JsonResponse:
    database = await _timed(sync_to_async(_check_database)())
    layer = await _timed(_check_channel_layer())
    ok = bool(database["ok"] and layer["ok"])
    body = {"status": "ok" if ok else "unavailable", "database": database, "channel_layer": layer}
    return JsonResponse(body, status=200 if ok else 503)
