"""Websocket clients for live tests (re-exported by tests/live.py, which documents the API).

``Expecting`` is the shared ``expect`` logic; ``WsClient`` talks to a real daphne server.
tests/plenary/helpers.py has the same API over channels' WebsocketCommunicator.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.live import DaphneServer

DEMO_SLUG = "statewide-leadership-academy"


MessagePredicate = Callable[[dict[str, Any]], bool]


class Expecting:
    """Wait for a message of some type; keep the others (``seen``) for later expects.

    A ``batch`` frame is unpacked: its messages count as if they came one by one.
    """

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self._unpacked: list[dict[str, Any]] = []

    async def _next(self, timeout: float) -> dict[str, Any]:
        """The next frame, decoded (subclasses)."""
        raise NotImplementedError

    async def _receive(self, timeout: float) -> dict[str, Any]:
        if not self._unpacked:
            message = await self._next(timeout)
            self._unpacked = message["messages"] if message.get("type") == "batch" else [message]
        return self._unpacked.pop(0)

    async def expect(self, type: str, predicate: MessagePredicate | None = None,  # noqa: A002
                     timeout: float = 5.0) -> dict[str, Any]:
        def wanted(message: dict[str, Any]) -> bool:
            return message.get("type") == type and (predicate is None or predicate(message))

        for index, message in enumerate(self.seen):
            if wanted(message):
                return self.seen.pop(index)
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await self._receive(remaining)
            except (asyncio.TimeoutError, TimeoutError):
                break
            if wanted(message):
                return message
            self.seen.append(message)
        kinds = [m.get("type") for m in self.seen][-20:]
        raise AssertionError(f"no {type!r} message within {timeout}s (meanwhile: {kinds})")

    async def expect_any(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message, whatever its type (kept ones first)."""
        return self.seen.pop(0) if self.seen else await self._receive(timeout)

    async def expect_error(self, code: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.expect("error", lambda m: m["code"] == code, timeout)

    def take(self, type: str) -> list[dict[str, Any]]:  # noqa: A002
        """Remove and return the kept messages of ``type``."""
        taken = [m for m in self.seen if m.get("type") == type]
        self.seen = [m for m in self.seen if m.get("type") != type]
        return taken


class WsClient(Expecting):
    """A participant's websocket to a live server (``websockets`` library)."""

    def __init__(self, socket: Any) -> None:
        super().__init__()
        self.socket = socket

    @classmethod
    async def open(cls, server: "DaphneServer", token: str, slug: str = DEMO_SLUG) -> "WsClient":
        from websockets.asyncio.client import connect

        socket = await connect(server.ws_url(f"/ws/convenings/{slug}/?join={token}"),
                               origin=server.http_url, max_size=16 * 1024 * 1024, open_timeout=10)  # type: ignore[arg-type]
        return cls(socket)

    async def send(self, type: str, **fields: Any) -> None:  # noqa: A002 — the protocol's word
        await self.socket.send(json.dumps({"type": type, **fields}))

    async def _next(self, timeout: float) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), timeout))

    async def close(self) -> None:
        await self.socket.close()
