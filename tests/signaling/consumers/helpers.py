"""Talking to the live consumer in-process, through channels' WebsocketCommunicator."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connections

from rooms.actions import breakout_plans, breakouts
from rooms.breakouts import store
from rooms.live import SELF_SELECT
from rooms.planning import PlanOptions
from signaling.auth import SessionUserStack
from signaling.routing import websocket_urlpatterns
from signaling.worker import WORKER
from tests.live import Expecting
from tests.live_clients import ws_path
from tests.rooms.breakouts.factories import breakout_session
from tests.signaling.consumers import schemas
from tests.signaling.consumers.factories import SLUG, SmallConvening

APP = SessionUserStack(URLRouter(websocket_urlpatterns))  # as config/asgi.py


class Closed(AssertionError):
    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"closed: {message}")
        self.code = message.get("code")
        self.reason = message.get("reason")


class CommClient(Expecting):
    """One websocket to the consumer, with the same ``expect`` API as tests.live.WsClient."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__()
        self.comm = WebsocketCommunicator(APP, path, headers=headers)
        self.closed = False  # the server closed the socket
        self.frame_types: list[str] = []  # of every frame, before batches are unpacked
        self._finished = False

    async def open(self) -> bool:
        accepted, _ = await self.comm.connect(timeout=5)
        return bool(accepted)

    async def send(self, type: str, **fields: Any) -> None:  # noqa: A002 — the protocol's word
        await self.comm.send_to(text_data=json.dumps({"type": type, **fields}))

    async def send_raw(self, raw: str | bytes) -> None:
        """Any frame, even an empty one (``send_to`` refuses those)."""
        key = "bytes" if isinstance(raw, bytes) else "text"
        await self.comm.send_input({"type": "websocket.receive", key: raw})

    async def _next(self, timeout: float) -> dict[str, Any]:
        # Not comm.receive_output: on timeout it cancels the application.
        if self.comm.future.done():
            self.comm.future.result()
        output = await asyncio.wait_for(self.comm.output_queue.get(), timeout)
        if output["type"] == "websocket.close":
            self.closed = True
            raise Closed(output)
        message = json.loads(output["text"])
        self.frame_types.append(message["type"])
        schemas.check(message)  # every server message matches what /protocol.js publishes
        for part in message["messages"] if message["type"] == "batch" else []:
            schemas.check(part)
        return message

    async def expect_close(self, timeout: float = 5.0) -> Closed:
        try:
            while True:
                self.seen.append(await self._receive(timeout))
        except Closed as closed:
            return closed

    async def barrier(self, timeout: float = 5.0) -> None:
        """Wait until everything sent before has been handled (ping → pong)."""
        await self.send("ping", id="barrier")
        await self.expect("pong", lambda m: m["ref"] == "barrier", timeout)

    async def close(self) -> None:
        """The browser goes away (also needed after a server close, so the consumer ends)."""
        if not self._finished:
            self._finished = True
            await self.comm.disconnect(timeout=5)


def open_self_select_rooms(small: SmallConvening) -> list[str]:
    """The small convening's breakout rooms opened by the production actions, in self-select
    mode so nobody is placed yet: a moderator's move then puts exactly one person in a room.
    Returns the room keys."""
    session = breakout_session(small)
    breakout_plans.make(small.convening.pk, session.id, PlanOptions(room_count=2, everyone=True))
    live = breakouts.open_rooms(small.convening.pk, session.id, 600, mode=SELF_SELECT)
    return [room.key for room in live.state.rooms]


async def move_to_room(small: SmallConvening, who: str, room: int = 0) -> str:
    """Open rooms (if none are) and move ``who`` into one, as a moderator's ``breakout.move``
    does (rooms.actions.breakouts.move → presence.relocate); returns the room's key."""
    def move() -> str:
        live = store.load(small.convening.pk)
        keys = sorted(live.live_rooms()) or open_self_select_rooms(small)
        breakouts.move(small.convening.pk, small.pid(who), keys[room])
        return keys[room]

    return await database_sync_to_async(move)()


class LoopSession:
    """An event loop of its own with Jordan (a moderator, signed in with a password), Maria and
    James connected and welcomed: reused across hypothesis examples, which a per-test fixture's
    loop cannot be. ``running`` opens it for a fixture and closes it after."""

    def __init__(self, small: SmallConvening) -> None:
        self.small = small
        self.loop = asyncio.new_event_loop()
        self.jordan = self.maria = self.james = CommClient("")

    @property
    def clients(self) -> tuple[CommClient, CommClient, CommClient]:
        return self.jordan, self.maria, self.james

    def run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(work)

    async def open(self) -> None:
        self.jordan, self.maria, self.james = (
            CommClient(ws_path(SLUG, self.small.tokens.get(name, "")), self.small.headers(name))
            for name in ("jordan", "maria", "james"))
        for client in self.clients:
            assert await client.open()
            await client.expect("welcome")

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        await WORKER.stop()
        await get_channel_layer().flush()
        await database_sync_to_async(connections.close_all)()  # as the connect fixture does


def running(live: LoopSession) -> Iterator[LoopSession]:
    """For a fixture: ``yield from running(Session(small))``."""
    live.run(live.open())
    try:
        yield live
    finally:
        live.run(live.close())
        live.loop.close()
