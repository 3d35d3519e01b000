"""One participant cannot grow the server without bound (issue 14, items 4 and 12).

Against a real daphne (tests/live.py), with raw websockets clients:

* a reader that stops reading while asking ``chat.sync`` again and again is closed with
  4507 once its queued outgoing bytes pass the bound, before daphne's RSS grows far, while
  another participant's chat keeps flowing; reconnected, it catches up page by page;
* a flood of frames is refused as it arrives (``rate_limited``, then close 4429), so
  nothing is left queued: the other participant's chat round trip right after the flood
  stays close to the one measured before it;
* the token bucket is charged at arrival times: a backlog handled late is not refused.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import statistics
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from autobahn.websocket.protocol import WebSocketProtocol
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from signaling.consumers import backpressure, direct_write
from signaling.consumers.backpressure import Guard
from signaling.consumers.connection import ConnectionTasks
from signaling.consumers.direct_write import DaphneWriter, Frame
from signaling.consumers.handlers import chat as chat_handlers
from signaling.protocol import Limits
from signaling.protocol.base import CloseCode
from signaling.protocol.plenary import ChatHistory
from signaling.protocol.shapes import ChatEntry
from signaling.ratelimit import FloodGuard, RateLimiter, TokenBucket, Verdict
from tests.live import DaphneServer, LiveDatabase, WsClient, join_tokens, manage
from tests.signaling.consumers.test_direct_write import Protocol, Transport

MiB = 1024 * 1024
HISTORY = 1000  # chat messages in the plenary before the slow reader asks for them
TEXT_CHARS = 1500  # each: a full chat.sync answer is ~1.7 MB (two pages of 500)
RSS_BOUND = 40 * MiB


@pytest.fixture
def flood_server(live_template: LiveDatabase) -> Iterator[DaphneServer]:
    """A daphne of its own on a database of its own: its RSS is this test's alone."""
    database = live_template.clone()
    server = DaphneServer(database.url, name="flood")
    try:
        yield server.start()
    finally:
        server.stop()
        print(f"---- {server.name} log ----\n{server.log_text()}")
        database.drop()


def _fill_chat(db_url: str, count: int, chars: int) -> None:
    manage(db_url, "shell", "-c", (
        "from convenings.models import Convening\n"
        "from rooms.models import ChatMessage, SpaceCounter\n"
        "c = Convening.objects.get(slug='statewide-leadership-academy')\n"
        "last = SpaceCounter.objects.filter(convening=c, space='plenary').values_list('last_seq', flat=True).first() or 0\n"
        f"ChatMessage.objects.bulk_create(ChatMessage(convening=c, space='plenary', seq=last + n, "
        f"text=('history %d ' % n).ljust({chars}, 'x')) for n in range(1, {count} + 1))\n"
        f"SpaceCounter.objects.update_or_create(convening=c, space='plenary', defaults={{'last_seq': last + {count}}})\n"))


def _rss(server: DaphneServer) -> int:
    return psutil.Process(server.pid).memory_info().rss


async def _raw(server: DaphneServer, token: str, receive_buffer: int | None = None) -> ClientConnection:
    """A websocket without the test client's conveniences; optionally a small kernel receive buffer
    (set before connecting, so the window stays small) and no client-side read-ahead."""
    sock = None
    if receive_buffer is not None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect(("127.0.0.1", server.port))
        sock.setblocking(False)
    return await connect(server.ws_url(f"/ws/convenings/statewide-leadership-academy/?join={token}"),
                         origin=server.http_url, max_size=16 * MiB, sock=sock,  # type: ignore[arg-type]
                         max_queue=1 if receive_buffer is not None else 16, ping_interval=None)


async def _until_type(ws: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message.get("type") == kind:
            return message


def _dropped(server: DaphneServer) -> bool:
    """The server logged that it closed a slow reader (the test's client then starts reading)."""
    return "too slow" in server.log_text()


async def _chat_round_trip(client: WsClient, text: str) -> float:
    started = time.monotonic()
    await client.send("chat.send", text=text)
    await client.expect("chat.message", lambda m: m["text"] == text, timeout=30)
    return time.monotonic() - started


# ---- (a) a slow reader ------------------------------------------------------------------------

@pytest.mark.live
@pytest.mark.asyncio
async def test_a_reader_that_stops_reading_is_closed_before_memory_grows(
        flood_server: DaphneServer) -> None:
    _fill_chat(flood_server.db_url, HISTORY, TEXT_CHARS)
    (slow_person, talker_person) = join_tokens(flood_server.db_url, role="presenter", limit=2)
    talker = await WsClient.open(flood_server, talker_person["token"])
    await talker.expect("welcome")
    slow = await _raw(flood_server, slow_person["token"], receive_buffer=64 * 1024)
    await _until_type(slow, "welcome")  # then it never reads again (until told it was dropped)
    await talker.expect("presence.joined")
    rss_before = peak = _rss(flood_server)

    round_trips: list[float] = []
    syncs = 0
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not _dropped(flood_server):
        for _ in range(3):  # within the rate limit of 2/s
            await slow.send(json.dumps({"type": "chat.sync", "id": f"s{syncs}", "space": "plenary", "after_seq": 0}))
            syncs += 1
            await asyncio.sleep(0.55)
            peak = max(peak, _rss(flood_server))
            if _dropped(flood_server):
                break
        round_trips.append(await _chat_round_trip(talker, f"still here {len(round_trips)}"))

    # Told it was dropped: it reads what was queued for it, then the close frame.
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(slow.recv(), 10)
    peak = max(peak, _rss(flood_server))
    print(f"slow reader: {syncs} chat.sync requests; daphne RSS {rss_before / MiB:.0f} MiB before, "
          f"peak {peak / MiB:.0f} MiB (+{(peak - rss_before) / MiB:.1f}); chat round trips {round_trips}")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == CloseCode.TOO_SLOW
    assert peak - rss_before < RSS_BOUND
    assert round_trips and max(round_trips) < 30  # every message came back while the slow reader was there
    round_trips.append(await _chat_round_trip(talker, "after the slow reader left"))

    # Back, it catches up page by page, reading as it goes.
    back = await WsClient.open(flood_server, slow_person["token"])
    await back.expect("welcome")
    await back.send("chat.sync", id="again", space="plenary", after_seq=0)
    seqs: list[int] = []
    while True:
        page = await back.expect("chat.history", lambda m: m["ref"] == "again", timeout=10)
        seqs += [m["seq"] for m in page["messages"]]
        if not page["has_more"]:
            break
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= HISTORY
    await back.close()
    await talker.close()


# ---- (b) a flood of frames --------------------------------------------------------------------

@pytest.mark.live
@pytest.mark.asyncio
async def test_a_flood_is_refused_as_it_arrives_and_leaves_nothing_queued(flood_server: DaphneServer) -> None:
    (flooder_person, talker_person) = join_tokens(flood_server.db_url, role="presenter", limit=2)
    talker = await WsClient.open(flood_server, talker_person["token"])
    await talker.expect("welcome")
    baseline = statistics.median([await _chat_round_trip(talker, f"before {n}") for n in range(5)])

    flooder = await _raw(flood_server, flooder_person["token"])
    await _until_type(flooder, "welcome")
    received: list[dict[str, Any]] = []

    async def read() -> None:
        try:
            async for frame in flooder:
                received.append(json.loads(frame))
        except ConnectionClosed:
            pass

    reader = asyncio.create_task(read())
    rss_before = _rss(flood_server)
    sent = 0
    started = time.monotonic()
    try:
        while sent < 100_000 and time.monotonic() - started < 10:
            await flooder.send(json.dumps({"type": "ping", "id": f"f{sent}", "note": "x" * 400}))
            sent += 1
            if sent % 500 == 0:
                await asyncio.sleep(0)  # let the reader see the close
    except ConnectionClosed:
        pass
    flood_s = time.monotonic() - started
    await flooder.close()
    await asyncio.wait_for(reader, 15)

    after = [await _chat_round_trip(talker, f"after {n}") for n in range(5)]
    rss_after = _rss(flood_server)
    refused = [m for m in received if m.get("type") == "error" and m.get("code") == "rate_limited"]
    answered = [m for m in received if m.get("ref") and m not in refused]  # invalid_message: "note" is no field
    print(f"flood: {sent} frames in {flood_s:.1f} s, {len(answered)} answered, {len(refused)} refused; "
          f"daphne RSS {rss_before / MiB:.0f} → {rss_after / MiB:.0f} MiB; close {flooder.close_code}; "
          f"chat round trip {baseline * 1000:.0f} ms before, {[round(a * 1000) for a in after]} ms after")
    assert flooder.close_code == CloseCode.FLOODED
    assert refused and all(m["ref"] and m["ref"].startswith("f") for m in refused)
    assert len(answered) + len(refused) < 1000  # the rest was dropped as it arrived, never queued
    assert rss_after - rss_before < 10 * MiB  # before: 100,000 queued frames took +69 MiB
    assert max(after) < max(20 * baseline, baseline + 1.0)
    await talker.close()


# ---- (c) charged at arrival -------------------------------------------------------------------

def test_a_backlog_handled_late_is_charged_when_it_arrived() -> None:
    """1.5 messages/s under a 2/s limit, all handled after a 30 s stall: none refused."""
    now = [0.0]
    bucket = TokenBucket(burst=20, per_s=2.0, clock=lambda: now[0])
    arrivals = [n / 1.5 for n in range(83)]
    now[0] = 30 + arrivals[-1]  # the handler gets to them only now
    assert all(bucket.take(at=at) for at in arrivals)
    fresh = TokenBucket(burst=20, per_s=2.0, clock=lambda: now[0])
    assert sum(fresh.take() for _ in arrivals) == 20  # charged at handling time, the old way: 63 refused


def test_a_flood_is_refused_then_closed_and_a_burst_is_only_refused() -> None:
    bucket = TokenBucket(burst=20, per_s=2.0, clock=lambda: 0.0)
    guard = FloodGuard(allowance=100, per_s=2.0, clock=lambda: 0.0)
    verdicts = [guard.judge(bucket.take(at=n * 1e-4), at=n * 1e-4) for n in range(1000)]
    assert verdicts[:20] == [Verdict.ACCEPT] * 20
    assert verdicts[20:120] == [Verdict.REFUSE] * 100
    assert verdicts[120] is Verdict.CLOSE and set(verdicts[121:]) == {Verdict.DROP}
    calm = FloodGuard(allowance=100, per_s=2.0, clock=lambda: 0.0)  # a reconnecting browser flushing its outbox of 50
    bucket = TokenBucket(burst=20, per_s=2.0, clock=lambda: 0.0)
    assert Verdict.CLOSE not in [calm.judge(bucket.take(at=0.0), at=0.0) for _ in range(50)]


# ---- the pieces, without a server -------------------------------------------------------------

class Closable(Protocol):
    """daphne's protocol as the guard sees it: frames queued for the application, a close handshake."""

    def __init__(self, transport: Any) -> None:
        super().__init__(transport)
        self.queued_for_app: list[bytes] = []
        self.closed_with: tuple[int, str, float] | None = None
        self.closeHandshakeTimeout = 1.0

    def onMessage(self, payload: bytes, is_binary: bool) -> None:  # noqa: N802 — daphne's name
        self.queued_for_app.append(payload)

    def sendClose(self, code: int, reason: str) -> None:  # noqa: N802 — autobahn's name
        self.closed_with = (code, reason, self.closeHandshakeTimeout)
        self.state = WebSocketProtocol.STATE_CLOSING


def _guard(max_queued: int = 1000, clock: Any = lambda: 0.0) -> tuple[Guard, Closable]:
    protocol = Closable(Transport())
    guard = Guard(protocol, Limits(), max_queued, RateLimiter(), clock)
    guard.write = DaphneWriter(protocol, guard.may_send).write
    guard.admitted(7, Limits())
    return guard, protocol


def _sent(protocol: Closable) -> list[dict[str, Any]]:
    return [json.loads(frame[2:]) for frame in protocol.transport.sent]  # short unmasked frames: 2-byte header


def test_frames_beyond_the_limit_are_refused_as_they_arrive_then_the_flood_is_closed() -> None:
    guard, protocol = _guard()
    for n in range(200):
        protocol.onMessage(json.dumps({"type": "ping", "id": f"p{n}"}).encode(), False)
    assert len(protocol.queued_for_app) == 20  # the burst; nothing else reaches daphne's queue
    refusals = _sent(protocol)
    assert [m["ref"] for m in refusals] == [f"p{n}" for n in range(20, 120)]
    assert {m["code"] for m in refusals} == {"rate_limited"}
    assert protocol.closed_with is not None and protocol.closed_with[0] == CloseCode.FLOODED
    assert guard.closing


def test_a_reader_past_the_bound_is_closed_once_and_sent_nothing_more() -> None:
    guard, protocol = _guard(max_queued=1000)
    protocol.transport.accepts = 0  # the client reads nothing
    write = guard.write
    assert write is not None
    write(Frame("a" * 600))
    write(Frame("b" * 300))  # 602 + 302 queued: within 1000
    write(Frame("c" * 300))  # would make 1206: dropped, closed
    write(Frame("d"))
    assert b"".join(protocol.transport.queued).count(b"c") == 0 and b"d" not in b"".join(protocol.transport.queued)
    assert protocol.closed_with == (CloseCode.TOO_SLOW, backpressure.TOO_SLOW, backpressure.TOO_SLOW_LINGER_S)


@pytest.mark.asyncio
async def test_an_answer_waiting_for_a_reader_that_reads_nothing_closes_it_as_too_slow() -> None:
    now = [0.0]
    guard, protocol = _guard(max_queued=10 * MiB, clock=lambda: now[0])
    protocol.transport._tempDataLen = 100 * 1024  # more than DRAINED_BYTES waits

    async def advance() -> None:
        for _ in range(40):
            await asyncio.sleep(0.02)
            now[0] += 1.0

    clock = asyncio.create_task(advance())
    await asyncio.wait_for(guard.drained(), 30)
    clock.cancel()
    assert protocol.closed_with is not None and protocol.closed_with[0] == CloseCode.TOO_SLOW


@pytest.mark.asyncio
async def test_an_answer_goes_out_once_the_socket_has_drained() -> None:
    guard, protocol = _guard(max_queued=MiB)
    protocol.transport._tempDataLen = 100 * 1024
    waiting = asyncio.create_task(guard.drained())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    protocol.transport._tempDataLen = 0  # the client read it
    await asyncio.wait_for(waiting, 5)
    assert protocol.closed_with is None


def test_the_queued_bytes_are_read_from_twisted_or_through_tls_or_not_at_all() -> None:
    transport = Transport()
    transport.dataBuffer, transport.offset, transport._tempDataLen = b"x" * 100, 30, 50
    assert direct_write.queued_bytes(Protocol(transport)) == 120

    class TLS:  # twisted.protocols.tls.TLSMemoryBIOProtocol: wraps the TCP transport
        def __init__(self, inner: Transport) -> None:
            self.transport = inner

    assert direct_write.queued_bytes(Protocol(TLS(transport))) == 120
    assert direct_write.queued_bytes(Protocol(object())) is None


def test_without_a_visible_buffer_twisteds_producer_calls_bound_it() -> None:
    class Opaque:  # a transport that shows no buffer; daphne left the HTTP channel registered
        bufferSize = 65536

        def __init__(self) -> None:
            self.producer: Any = HTTPChannel()

        def registerProducer(self, producer: Any, streaming: bool) -> None:  # noqa: N802
            assert self.producer is None and streaming
            self.producer = producer

        def unregisterProducer(self) -> None:  # noqa: N802
            self.producer = None

    class HTTPChannel:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def pauseProducing(self) -> None:  # noqa: N802
            self.calls.append("pause")

        def resumeProducing(self) -> None:  # noqa: N802
            self.calls.append("resume")

    transport = Opaque()
    channel = transport.producer
    outflow = direct_write.Outflow(Protocol(transport))
    assert not outflow.visible and outflow.queued() == 0
    transport.producer.pauseProducing()  # Twisted: over bufferSize
    outflow.wrote(1000)
    assert outflow.queued() == 65536 + 1000
    transport.producer.resumeProducing()  # Twisted: emptied
    assert outflow.queued() == 0 and channel.calls == ["pause", "resume"]


def test_arrivals_are_seen_before_daphne_queues_them() -> None:
    protocol = Closable(Transport())
    seen: list[bytes] = []
    assert direct_write.watch_arrivals(protocol, lambda payload, binary: seen.append(payload) or payload != b"no")
    protocol.onMessage(b"yes", False)
    protocol.onMessage(b"no", False)
    assert seen == [b"yes", b"no"] and protocol.queued_for_app == [b"yes"]


@pytest.mark.parametrize(("payload", "ref"), [
    (b'{"type": "ping", "id": "p1"}', "p1"),
    (b'{"type": "ping"}', None),
    (b'{"id": 7}', None),
    (b'["id"]', None),
    (b"{not json", None),
    (b"[" * 100_000, None),
    (b'{"id": "' + b"x" * 65 + b'"}', None),
    (b'{"id": "\\ud800"}', None),
    (b'{"id": "p2", "pad": "' + b"x" * 70_000 + b'"}', None),  # beyond max_message_bytes: not parsed
])
def test_a_refused_frame_is_answered_with_its_id_when_it_has_a_usable_one(payload: bytes, ref: str | None) -> None:
    assert backpressure.ref_of(payload, 64 * 1024) == ref


def test_a_chat_page_is_bounded_in_bytes_as_well_as_in_messages() -> None:
    def entry(seq: int, text: str) -> ChatEntry:
        return ChatEntry(space="plenary", seq=seq, author=None, text=text, at=dt.datetime(2025, 10, 14, tzinfo=dt.UTC))

    small = [entry(n, "hello") for n in range(1, 501)]
    assert chat_handlers.fitting(small) == small
    huge = [entry(n, "😀" * 2000) for n in range(1, 501)]  # 8 KB of UTF-8 each
    page = chat_handlers.fitting(huge)
    assert 20 < len(page) < 40
    assert len(ChatHistory(space="plenary", after_seq=0, messages=page, has_more=True).to_json().encode()) \
        <= chat_handlers.PAGE_BYTES
    assert chat_handlers.fitting([entry(1, "x" * 10**6)]) != []  # always at least one


@pytest.mark.asyncio
async def test_a_newer_catch_up_replaces_the_older() -> None:
    tasks = ConnectionTasks()
    older = tasks.spawn(asyncio.sleep(10), name="chat.sync plenary x")
    other = tasks.spawn(asyncio.sleep(10), name="chat.sync room-1 x")
    newer = tasks.spawn(asyncio.sleep(10), name="chat.sync plenary x", replacing=True)
    await asyncio.sleep(0)
    assert older.cancelled() and not other.done() and not newer.done()
    await tasks.cancel_all()
