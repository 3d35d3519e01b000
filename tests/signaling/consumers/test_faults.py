"""Faults injected for real: Redis restarted under two workers, a database that hangs or is
down, and chat sent while the connection drops (resent, stored once).

Every fault heals by itself: no worker is restarted, no client does anything a browser
would not (reconnect with backoff, resend what was not acknowledged under its client_id).
"""
from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed, InvalidStatus

from rooms.models import ChatMessage
from signaling.protocol.internal import Deliver
from signaling.protocol.internal.media import AllowScreen
from tests.live import DaphneServer, LiveDatabase, WsClient, join_tokens
from tests.services import free_port
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

HEAL_S = 15.0  # a browser's backoff (≤ 15 s at its cap) is longer than any of these take
RESTART_GAP_S = 1.5


# ---- the idempotent resend (any layer; Channels' communicator) ----------------------------------

@database_sync_to_async
def stored(text: str) -> list[tuple[int, str | None]]:
    return list(ChatMessage.objects.filter(text=text).values_list("seq", "client_id"))


@pytest.mark.asyncio
async def test_a_resent_chat_message_is_stored_and_shown_once(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("chat.send", id="m1", text="Our parent nights doubled!", client_id="tab7-msg-0001")
    await maria.expect("ack", lambda m: m["ref"] == "m1")
    first = await jordan.expect("chat.message")
    # Maria's connection drops before she hears the ack; her browser reconnects and resends.
    await maria.close()
    maria = await connect("maria")
    await maria.send("chat.send", id="m2", text="Our parent nights doubled!", client_id="tab7-msg-0001")
    assert (await maria.expect("ack", lambda m: m["ref"] == "m2"))["type"] == "ack"
    await maria.send("chat.send", id="m3", text="a new one", client_id="tab7-msg-0002")
    after = await jordan.expect("chat.message")
    assert after["text"] == "a new one" and after["seq"] == first["seq"] + 1  # nothing in between
    assert await stored("Our parent nights doubled!") == [(first["seq"], "tab7-msg-0001")]
    # The same id from someone else is their own message.
    await jordan.send("chat.send", id="j1", text="Our parent nights doubled!", client_id="tab7-msg-0001")
    await jordan.expect("ack", lambda m: m["ref"] == "j1")
    assert len(await stored("Our parent nights doubled!")) == 2


@pytest.mark.asyncio
async def test_a_client_id_must_look_like_one(connect: Connect, small: SmallConvening) -> None:
    maria = await connect("maria")
    await maria.send("chat.send", id="m1", text="hello", client_id="x")
    error = await maria.expect("error")
    assert error["code"] == "invalid_message" and error["ref"] == "m1"


# ---- Redis restarted under two workers -----------------------------------------------------------

class OwnRedis:
    """A redis-server of this test's own, as docker-compose.yml runs it: nothing persisted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


async def _until_heard(send: Any, heard: Any, timeout: float = 5.0) -> float:
    """Send every 0.1 s until ``heard()``; seconds it took."""
    started = time.monotonic()
    while not heard():
        assert time.monotonic() - started < timeout, "not heard"
        await send()
        await asyncio.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.asyncio
async def test_a_worker_that_stayed_connected_hears_its_groups_again_after_a_redis_restart(settings) -> None:  # noqa: ANN001
    """The hub renews its feeds and held memberships: a restarted Redis forgot them, and a
    connection that lived through the restart (nothing made it leave and join again) would
    otherwise never hear its groups again."""
    from signaling.consumers.fanout import FanoutHub, Member
    from signaling.redis_layer import RedisChannelLayer

    settings.PRESENCE_HEARTBEAT_S = 0.2  # the renewal period
    redis = OwnRedis().start()
    worker = sender = None
    try:
        config = {"hosts": [redis.url], "prefix": "faults"}
        worker, sender = RedisChannelLayer(**config), RedisChannelLayer(**config)
        hub = FanoutHub(worker)
        frames: list[str] = []
        member = Member("lived-through")

        async def handle(event: dict[str, Any]) -> None:
            pass

        member.attach(7, False, lambda frame: frames.append(frame.text), handle)
        await hub.join("convening.1", member)
        own = await worker.new_channel()
        await hub.hold("convening.1.person.7", own)

        redis.kill()
        await asyncio.sleep(0.5)
        redis.start()
        assert frames == []

        async def to_group() -> None:
            await sender.group_send("convening.1", Deliver(text="after").to_event())

        await _until_heard(to_group, lambda: "after" in frames)
        personal: list[dict[str, Any]] = []

        async def to_person() -> None:
            await sender.group_send("convening.1.person.7", AllowScreen(allowed=True).to_event())
            try:
                personal.append(await asyncio.wait_for(worker.receive(own), 0.2))
            except TimeoutError:
                pass

        await _until_heard(to_person, lambda: bool(personal))
        await hub.release("convening.1.person.7", own)
        await hub.leave("convening.1", member)
    finally:
        for layer in (worker, sender):
            if layer is not None:
                await layer.close_pools()
        redis.kill()


@pytest.fixture
def restartable(live_template: LiveDatabase) -> Iterator[tuple[OwnRedis, DaphneServer, DaphneServer]]:
    redis = OwnRedis().start()
    database = live_template.clone()
    servers = [DaphneServer(database.url, redis.url, name=name) for name in ("worker-a", "worker-b")]
    try:
        for server in servers:
            server.start()
        yield redis, servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
            print(f"---- {server.name} log ----\n{server.log_text()}")
        redis.kill()
        database.drop()


class Person:
    """A browser, as far as the faults go: reconnects with backoff, resends what is unacknowledged."""

    def __init__(self, server: DaphneServer, row: dict[str, Any]) -> None:
        self.server, self.row = server, row
        self.client: WsClient | None = None
        self.unacked: dict[str, str] = {}  # client_id -> text
        self.refusals: list[str] = []  # error codes heard before a close, while reconnecting
        self.sent = 0

    async def connect(self, timeout: float = HEAL_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        delay = 0.25
        while True:
            try:
                client = await WsClient.open(self.server, self.row["token"])
                first = await client.expect_any(timeout=10)
                if first["type"] == "welcome":
                    self.client = client
                    for client_id, text in self.unacked.items():
                        await self._send(client_id, text)
                    return first
                self.refusals.append(first.get("code", first["type"]))
                await client.close()
            except (TimeoutError, OSError, ConnectionClosed, InvalidStatus):
                pass
            assert time.monotonic() < deadline, f"{self.row['name']} could not reconnect within {timeout}s"
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def say(self, text: str) -> None:
        client_id = f"{self.row['participant_id']}-{self.sent:06d}"
        self.sent += 1
        self.unacked[client_id] = text
        await self._send(client_id, text)

    async def _send(self, client_id: str, text: str) -> None:
        if self.client is not None:
            try:
                await self.client.send("chat.send", id=client_id, text=text, client_id=client_id)
            except ConnectionClosed:
                self.client = None

    async def hear(self, type_: str, predicate: Any = None, timeout: float = 5.0) -> dict[str, Any] | None:
        """The next such message within ``timeout`` (others are passed over; acks settle what we
        sent). None if none came or the connection dropped."""
        if self.client is None:
            return None
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                message = await self.client.expect_any(timeout=left)
                if message["type"] == "ack":
                    self.unacked.pop(message["ref"], None)
                if message["type"] == type_ and (predicate is None or predicate(message)):
                    return message
        except TimeoutError:
            return None
        except ConnectionClosed:
            self.client = None
        return None

    async def live(self) -> bool:
        if self.client is None:
            return False
        try:
            await self.client.socket.ping()
            return True
        except ConnectionClosed:
            self.client = None
            return False


async def _chat_heard(speaker: Person, listeners: list[Person], text: str, timeout: float) -> bool:
    await speaker.say(text)
    for listener in listeners:
        if await listener.hear("chat.message", lambda m: m["text"] == text, timeout) is None:
            return False
    return True


@pytest.mark.live
@pytest.mark.asyncio
async def test_a_restarted_redis_is_heard_again_without_restarting_the_workers(
        restartable: tuple[OwnRedis, DaphneServer, DaphneServer]) -> None:
    redis, a, b = restartable
    rows = join_tokens(a.db_url, role="participant", limit=6)
    on_a = [Person(a, row) for row in rows[:2]]
    on_b = [Person(b, row) for row in rows[2:4]]
    for person in on_a + on_b:
        await person.connect()
    assert await _chat_heard(on_a[0], on_b, "before the restart", 5)

    redis.kill()
    await asyncio.sleep(RESTART_GAP_S)
    redis.start()
    back = time.monotonic()

    # Everyone is back and hears everyone, across workers: the ones who were connected...
    heard_at: float | None = None
    attempt = 0
    while heard_at is None:
        assert time.monotonic() - back < HEAL_S, "no chat crossed the workers after Redis came back"
        for person in on_a + on_b:
            if not await person.live():
                await person.connect()
        attempt += 1
        if await _chat_heard(on_a[0], on_b, f"after the restart {attempt}", 1.0) and \
                await _chat_heard(on_b[0], on_a, f"and back {attempt}", 1.0):
            heard_at = time.monotonic()
    # ...and newcomers, on either worker.
    newcomer_b, newcomer_a = Person(b, rows[4]), Person(a, rows[5])
    welcome = await newcomer_b.connect()
    await newcomer_a.connect()
    assert await _chat_heard(newcomer_a, [newcomer_b, *on_b], "to the newcomers", 5)
    # Connections Redis broke ran their cleanup: nobody is listed twice or after leaving.
    listed = {entry["participant_id"]: entry["connections"] for entry in welcome["roster"]}
    present = {person.row["participant_id"] for person in on_a + on_b} | {rows[4]["participant_id"]}
    assert listed == {pid: 1 for pid in present}
    print(f"healed {heard_at - back:.1f}s after Redis came back")


@pytest.mark.live
@pytest.mark.asyncio
async def test_chat_sent_while_redis_is_down_is_stored_once_and_delivered_after(
        restartable: tuple[OwnRedis, DaphneServer, DaphneServer]) -> None:
    redis, a, b = restartable
    rows = join_tokens(a.db_url, role="participant", limit=2)
    sender, reader = Person(a, rows[0]), Person(b, rows[1])
    await sender.connect()
    welcome = await reader.connect()
    last_seq = max((m["seq"] for m in welcome["chat"]), default=0)

    redis.kill()
    texts = [f"while Redis is down {n}" for n in range(5)]
    for text in texts:  # on a socket that is closing: these frames may be lost in flight
        await sender.say(text)
        await asyncio.sleep(0.1)
    # Reconnecting while Redis is down fails (what is said before the close says why).
    sender.client = None
    with pytest.raises(AssertionError, match="could not reconnect"):
        await sender.connect(timeout=2.0)
    assert set(sender.refusals) <= {"unavailable"}, sender.refusals
    redis.start()

    # The browser reconnects and resends what was not acknowledged, under the same client ids.
    await sender.connect()
    deadline = time.monotonic() + HEAL_S
    while sender.unacked:
        assert time.monotonic() < deadline, f"never acknowledged: {sorted(sender.unacked.values())}"
        if await sender.hear("ack", timeout=1.0) is None and not await sender.live():
            await sender.connect()
    # The reader, reconnected like a browser, catches up with chat.sync: each message once, in order.
    if not await reader.live():
        await reader.connect()
    assert reader.client is not None
    await reader.client.send("chat.sync", id="sync", space="plenary", after_seq=last_seq)
    caught_up: list[str] = []
    while True:
        page = await reader.hear("chat.history", lambda m: m.get("ref") == "sync", timeout=5)
        assert page is not None
        caught_up += [m["text"] for m in page["messages"]]
        if not page["has_more"]:
            break
    assert caught_up == texts
    print(f"{len(texts)} sent while Redis was down: {len(caught_up)} stored, each once")


# ---- a database that hangs, or is down ------------------------------------------------------------

class Silent:
    """A TCP listener that accepts connections and never answers (a hung database server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read, never answered

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class UnhealthyDaphne(DaphneServer):
    """Started once it answers /healthz at all (503 included): its database is meant to be broken."""

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.http_url}/healthz", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False


def _healthz(server: DaphneServer) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{server.http_url}/healthz", timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


@pytest.fixture(params=["hangs", "is down"])
def broken_database(request: pytest.FixtureRequest) -> Iterator[tuple[str, DaphneServer]]:
    """A daphne whose DATABASE_URL points at a silent listener, or at a port nothing listens on."""
    silent = Silent() if request.param == "hangs" else None
    port = silent.port if silent else free_port()
    # DATABASE_CONNECT_TIMEOUT_S at its default, 5 s
    server = UnhealthyDaphne(f"postgres://postgres@127.0.0.1:{port}/convene", name="broken-db")
    try:
        server.start()
        yield request.param, server
    finally:
        server.stop()
        print(f"---- {server.name} log ----\n{server.log_text()}")
        if silent:
            silent.close()


@pytest.mark.live
@pytest.mark.asyncio
async def test_a_broken_database_is_reported_in_time_and_said_to_websockets(
        broken_database: tuple[str, DaphneServer]) -> None:
    how, server = broken_database
    # A websocket (its admission waits on the database: any token) and /healthz at the same time.
    opened = time.monotonic()
    client = await WsClient.open(server, "any-token")
    await asyncio.sleep(0.2)  # the websocket's query is on the shared database thread first
    status, took = await asyncio.to_thread(_healthz, server)
    assert status == 503 and took < 3.0, (how, status, took)
    error = await client.expect("error", timeout=15)
    assert error["code"] == "unavailable"
    with pytest.raises(ConnectionClosed):
        await client.expect_any(timeout=5)
    assert client.socket.close_code == 4503
    refused_after = time.monotonic() - opened
    assert refused_after < 5 + 3  # DATABASE_CONNECT_TIMEOUT_S (its default), then refused at once
    print(f"database {how}: /healthz {status} in {took:.1f}s; websocket refused (unavailable, 4503) "
          f"{refused_after:.1f}s after opening")
