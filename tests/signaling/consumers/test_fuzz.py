"""Schema-driven fuzzing of the live consumer, as an outside client written from
docs/protocol.md alone (issue 14): every client message type, valid and hostile.

Whatever a moderator sends — boundary values, wrong types, huge integers, lone surrogates,
deep nesting, unknown fields, ids nobody has — the connection stays up, every message with an
``id`` gets exactly one answer (its result, ``ack`` or an ``error`` with a documented code),
and another participant still receives chat. A wide run goes through the real consumer in
process; a smaller one through a real daphne (tests/live.py), where the websocket layer's own
refusals (1007, 1009) are checked too. Fixed profiles (derandomized): the same cases every run.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from websockets.exceptions import ConnectionClosed

from signaling.protocol import CLIENT_TYPES, DEFAULT_LIMITS, ErrorCode
from tests.live import DEMO_SLUG, DaphneServer, Expecting, LiveDatabase, WsClient, join_tokens
from tests.signaling.consumers import schema_strategies as strategies
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import LoopSession, running

CODES = {code.value for code in ErrorCode}
# Documented close codes a hostile client may provoke (docs/protocol.md, "Close codes").
CLOSE_CODES = {1007, 1009}
FINAL = {"ack", "error", "pong", "media.server_answer", "media.diagnostics", "captions.history",
         "poll.state", "tower.activity", "recording.state"}  # + the last chat.history page
FUZZ_PROFILE = dict(deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])


def is_answer(message: dict[str, Any]) -> bool:
    return message["type"] in FINAL or (message["type"] == "chat.history" and not message["has_more"])


def echoable(ref: Any) -> bool:
    """An id the server can echo (the schema's: a string of whole Unicode, ≤ 64 characters)."""
    return ref is None or (isinstance(ref, str) and len(ref) <= 64 and not strategies.has_surrogate(ref))


async def next_matching(client: Expecting, wanted: Any, timeout: float) -> dict[str, Any]:
    """The first message (kept or new, of any type) ``wanted`` accepts."""
    for index, message in enumerate(client.seen):
        if wanted(message):
            return client.seen.pop(index)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        try:
            message = await client._receive(remaining)  # noqa: SLF001 — Expecting's own reader
        except TimeoutError:
            break
        if wanted(message):
            return message
        client.seen.append(message)
    raise AssertionError(f"no answer within {timeout}s (meanwhile: {[m.get('type') for m in client.seen][-20:]})")


async def barrier(client: Expecting, ref: str) -> None:
    await client.send("ping", id=f"{ref}-barrier")
    await client.expect("pong", lambda m: m["ref"] == f"{ref}-barrier", 10)


async def exactly_one_answer(sender: Expecting, frame: dict[str, Any], ref: str) -> dict[str, Any]:
    """Send ``frame`` (with id ``ref`` unless its own id is the hostile part); its one answer."""
    unread = len(json.dumps({**frame, "id": ref})) > DEFAULT_LIMITS.max_message_bytes  # never parsed
    if unread or not echoable(frame.get("id")):  # the answer is an error with no ref
        await sender.send(**frame)
        await barrier(sender, ref)
        refusals = [m for m in sender.take("error") if m["ref"] is None]
        assert [m["code"] for m in refusals] == ["too_large" if unread else "invalid_message"], refusals
        sender.seen.clear()
        return refusals[0]
    await sender.send(**{**frame, "id": ref})
    answer = await next_matching(sender, lambda m: m.get("ref") == ref and is_answer(m), 10)
    await barrier(sender, ref)
    extra = [m for m in sender.seen if m.get("ref") == ref and is_answer(m)]
    assert not extra, f"{frame['type']} answered twice: {answer} and {extra}"
    if answer["type"] == "error":
        assert answer["code"] in CODES and answer["message"], answer
    sender.seen.clear()
    return answer


# ---- in process: the real consumer, every message type --------------------------------------

class Session(LoopSession):
    """Jordan (a moderator) sends the fuzz; Maria → James shows chat still flows."""

    def __init__(self, small: SmallConvening) -> None:
        super().__init__(small)
        self.count = itertools.count()


@pytest.fixture
def session(small: SmallConvening, settings) -> Iterator[Session]:  # noqa: ANN001
    # One layer (the layers have their own tests): the breadth is in the messages.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "signaling.layers.LocalChannelLayer"}}
    settings.RATE_LIMIT_BURST = 100_000
    yield from running(Session(small))


async def chat_flows(sender: Expecting, reader: Expecting, text: str) -> None:
    await sender.send("chat.send", text=text)
    await reader.expect("chat.message", lambda m: m["text"] == text, 10)
    sender.seen.clear()
    reader.seen.clear()


@hypothesis_settings(max_examples=300, **FUZZ_PROFILE)  # type: ignore[arg-type]
@given(frame=strategies.any_message)
def test_every_message_type_in_process(session: Session, frame: dict[str, Any]) -> None:
    n = next(session.count)

    async def check() -> None:
        await exactly_one_answer(session.jordan, frame, f"f{n}")
        assert not session.jordan.closed
        await chat_flows(session.maria, session.james, f"still flowing {n}")

    session.run(check())


def test_the_fuzzer_covers_every_client_message_type() -> None:
    assert set(strategies.CLIENT_KINDS) == set(CLIENT_TYPES)


# ---- a real daphne: a smaller run, plus the websocket layer's refusals ---------------------------

class LiveSession:
    def __init__(self, server: DaphneServer, db: LiveDatabase) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.count = itertools.count()
        # Moderators sign in with a password (no join links): the fuzz comes from a presenter.
        self.sender_token, *self.tokens = [t["token"] for t in join_tokens(db.url, role="presenter", limit=3)]
        self.jordan: WsClient | None = None

    def run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(work)

    async def client(self, token: str) -> WsClient:
        from websockets.asyncio.client import connect

        # As WsClient.open, without keepalive pings: the loop only runs during an example. Nothing
        # bounds what waits unread (everyone's chat and presence): with websockets' 16 frames the
        # client stopped reading its socket and closing it waited 10 s for the server's close frame.
        socket = await connect(self.server.ws_url(f"/ws/convenings/{DEMO_SLUG}/?join={token}"),
                               origin=self.server.http_url, max_size=16 * 1024 * 1024,  # type: ignore[arg-type]
                               open_timeout=10, ping_interval=None, max_queue=None)
        client = WsClient(socket)
        await client.expect("welcome", timeout=10)
        return client

    async def open(self) -> None:
        self.jordan = await self.client(self.sender_token)
        self.a, self.b = [await self.client(token) for token in self.tokens]

    async def close(self) -> None:
        for client in (self.jordan, self.a, self.b):
            if client is not None:
                await client.close()


@pytest.fixture
def live_session(live_db: LiveDatabase) -> Iterator[LiveSession]:
    # One daphne (in-memory layer) whose rate limit lets a fuzz run through.
    server = DaphneServer(live_db.url, env={"RATE_LIMIT_BURST": "100000"}, name="fuzzed").start()
    live = LiveSession(server, live_db)
    try:
        live.run(live.open())
        yield live
    finally:
        live.run(live.close())
        live.loop.close()
        server.stop()
        print(f"---- {server.name} log ----\n{server.log_text()}")  # pytest shows it on failure


@pytest.mark.live
@hypothesis_settings(max_examples=40, **FUZZ_PROFILE)  # type: ignore[arg-type]
@given(frame=strategies.any_message)
def test_every_message_type_over_daphne(live_session: LiveSession, frame: dict[str, Any]) -> None:
    n = next(live_session.count)

    async def check() -> None:
        assert live_session.jordan is not None
        await exactly_one_answer(live_session.jordan, frame, f"l{n}")
        await chat_flows(live_session.a, live_session.b, f"over daphne {n}")

    live_session.run(check())


async def _closed_with(client: WsClient, frame: str | bytes, text: bool = True) -> int | None:
    await client.socket.send(frame, text=text)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await client.socket.recv()
    received = closed.value.rcvd
    return None if received is None else received.code


@pytest.mark.live
def test_the_websocket_layer_refuses_with_documented_codes(live_session: LiveSession) -> None:
    async def check() -> None:
        assert live_session.jordan is not None
        # Over max_message_bytes, under the transport's 1 MiB: an error, the connection stays.
        big = json.dumps({"type": "chat.send", "id": "big", "text": "a" * 200_000})
        await live_session.jordan.socket.send(big)
        assert (await live_session.jordan.expect_error("too_large"))["ref"] is None
        await live_session.jordan.send("ping", id="after-big")
        await live_session.jordan.expect("pong", lambda m: m["ref"] == "after-big")
        # 1 MiB or more: close 1009 (was a dropped socket, 1006). Not UTF-8: close 1007.
        huge = await live_session.client(live_session.sender_token)
        assert await _closed_with(huge, json.dumps({"type": "chat.send", "text": "a" * (1 << 20)})) == 1009
        broken = await live_session.client(live_session.sender_token)
        assert await _closed_with(broken, b'{"type": "chat.send", "text": "\xff\xfe"}') == 1007
        # Binary frames: a clear error, the connection stays.
        await live_session.jordan.socket.send(b'{"type": "ping", "id": "bin"}')
        error = await live_session.jordan.expect_error("invalid_message")
        assert "text frame" in error["message"]
        await chat_flows(live_session.a, live_session.b, "after the refusals")

    live_session.run(check())
