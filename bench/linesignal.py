"""A minimal JSON-lines-over-TCP signaling transport for MediaServer.

For the media benchmark (bench/media_forwarding.py), which runs the media server in its own
process (production's transport is the websocket consumer). Not part of the app. Loopback only. One JSON
object per line:

    request   {"id": 1, "op": "join", "pid": "a", "space": "room"}
    response  {"id": 1, "ok": true, "result": ...} | {"id": 1, "ok": false, "code": ..., "message": ...}
    event     {"event": "signal", "pid": "a", "signal": SignalOut.to_dict()}

Ops: join, offer, answer, candidate, move, leave, stats, reset_latency, shutdown.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from signaling.media.errors import MediaError
from signaling.media.signals import SignalOut

logger = logging.getLogger(__name__)
OnSignal = Callable[[SignalOut], Awaitable[None]]
MAX_LINE = 1 << 20


class LineSignalingServer:
    """Serves a MediaServer-like backend; ``done`` is set by the shutdown op."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.done = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, port: int = 0) -> int:
        server = await asyncio.start_server(self._serve, "127.0.0.1", port, limit=MAX_LINE)
        self._server = server
        return int(server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lock = asyncio.Lock()

        async def write(message: dict[str, Any]) -> None:
            async with lock:
                writer.write((json.dumps(message) + "\n").encode())
                await writer.drain()

        while line := await reader.readline():
            task = asyncio.ensure_future(self._run(json.loads(line), write))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        writer.close()

    async def _run(self, request: dict[str, Any], write: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        try:
            result = await self._dispatch(request, write)
            await write({"id": request["id"], "ok": True, "result": result})
        except MediaError as exc:
            await write({"id": request["id"], "ok": False, "code": exc.code, "message": exc.message})

    async def _dispatch(self, r: dict[str, Any], write: Callable[[dict[str, Any]], Awaitable[None]]) -> Any:
        op, backend = r["op"], self.backend
        if op == "join":
            pid = r["pid"]

            async def send(signal: SignalOut) -> None:
                await write({"event": "signal", "pid": pid, "signal": signal.to_dict()})

            return await backend.join(pid, r["space"], send, role=r.get("role", "participant"))
        if op == "offer":
            return await backend.handle_offer(r["pid"], r["sdp"], r.get("labels"))
        if op == "answer":
            return await backend.handle_answer(r["pid"], r["sdp"])
        if op == "candidate":
            return await backend.add_ice_candidate(r["pid"], r.get("candidate"))
        if op == "move":
            return await backend.move(r["pid"], r["space"])
        if op == "leave":
            return await backend.leave(r["pid"])
        if op == "stats":
            return backend.stats()
        if op == "reset_latency":
            return backend.reset_latency()
        if op == "shutdown":
            self.done.set()
            return None
        raise MediaError("bad_request", f"unknown op {op!r}")


class LineClient:
    """Client side; also a ``SignalingTransport`` for synthetic participants."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._handlers: dict[str, OnSignal] = {}
        self._task = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, port: int) -> LineClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_LINE)
        return cls(reader, writer)

    async def request(self, op: str, **fields: Any) -> Any:
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._writer.write((json.dumps({"id": request_id, "op": op, **fields}) + "\n").encode())
        await self._writer.drain()
        return await future

    async def _read(self) -> None:
        while line := await self._reader.readline():
            message = json.loads(line)
            if "event" in message:
                handler = self._handlers.get(message["pid"])
                if handler is not None:
                    await handler(SignalOut.from_dict(message["signal"]))
                continue
            future = self._pending.pop(message["id"])
            if message["ok"]:
                future.set_result(message["result"])
            else:
                future.set_exception(MediaError(message["code"], message["message"]))

    async def join(self, participant_id: str, space_id: str, on_signal: OnSignal, role: str) -> None:
        self._handlers[participant_id] = on_signal
        await self.request("join", pid=participant_id, space=space_id, role=role)

    async def offer(self, participant_id: str, sdp: str, track_labels: dict[str, str]) -> str:
        answer: str = await self.request("offer", pid=participant_id, sdp=sdp, labels=track_labels)
        return answer

    async def answer(self, participant_id: str, sdp: str) -> None:
        await self.request("answer", pid=participant_id, sdp=sdp)

    async def leave(self, participant_id: str) -> None:
        self._handlers.pop(participant_id, None)
        await self.request("leave", pid=participant_id)

    async def close(self) -> None:
        self._task.cancel()
        self._writer.close()
