"""/healthz: is this worker able to serve? Database and channel layer, as JSON.

Each check has CHECK_TIMEOUT_S to answer, and the answer comes in time even when the
database hangs (a server that accepts connections and never answers): the database is
asked on a thread of the health check's own, never on the thread that every page and
websocket shares for database work (asgiref's thread-sensitive thread), which a hung
database holds for up to DATABASE_CONNECT_TIMEOUT_S per query. For the same reason
``health_first`` answers /healthz before Django's request handling, which itself hops to
that shared thread (request_started / request_finished) and would wait behind it.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

CHECK_TIMEOUT_S = 2.0
PATH = "/healthz"
# One thread: a check stuck on a hung database delays only the next checks (which time out
# and report 503), and a load balancer polling every second cannot pile up threads.
_database_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convene-health")


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: none is kept between checks


async def _database_check() -> None:
    await asyncio.wrap_future(_database_thread.submit(_check_database))


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


async def _timed(check: Awaitable[object]) -> dict[str, object]:
    try:
        detail = await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {CHECK_TIMEOUT_S:g} s"}
    except Exception as exc:  # noqa: BLE001 — any failure means "down", reported as such
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, **({"backend": detail} if detail else {})}


async def report() -> tuple[int, dict[str, object]]:
    """The status code and body of /healthz; both checks run at once (at most CHECK_TIMEOUT_S)."""
    database, layer = await asyncio.gather(_timed(_database_check()), _timed(_check_channel_layer()))
    ok = bool(database["ok"] and layer["ok"])
    body = {"status": "ok" if ok else "unavailable", "database": database, "channel_layer": layer}
    return (200 if ok else 503), body


async def healthz(request: HttpRequest) -> JsonResponse:
    """The same report through Django (its test client; daphne goes through ``health_first``)."""
    status, body = await report()
    return JsonResponse(body, status=status)


ASGIApp = Callable[[dict[str, Any], Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def health_first(app: ASGIApp) -> ASGIApp:
    """``app``, except that HTTP GET/HEAD /healthz is answered here, outside Django."""

    async def serve(scope: dict[str, Any], receive: Callable[..., Awaitable[Any]],
                    send: Callable[..., Awaitable[Any]]) -> None:
        if scope["type"] != "http" or scope.get("path") != PATH or scope.get("method") not in {"GET", "HEAD"}:
            await app(scope, receive, send)
            return
        status, body = await report()
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload})

    return serve
