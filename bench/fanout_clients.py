"""Client process of bench/plenary_fanout.py: many participants' websockets in one asyncio loop.

Talks to the orchestrator with one JSON object per line: it reads commands on stdin
(``settle``, ``go``) and writes events on stdout (``connected``, ``quiet``, ``result``).
Client k connects to worker k mod len(urls). The sender (first client of the process
started with --sender) posts ``bench:<n>:<time_ns>`` chat messages; every client
records, for each one it receives, how long it took to arrive.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake

CHAT_PREFIX = '{"type":"chat.message"'  # cheap test before parsing: most traffic is presence


def page_origin(ws_url: str) -> str:
    """The origin a browser on that worker's pages sends (the server refuses any other)."""
    parts = urlsplit(ws_url)
    return f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"


class Participant:
    def __init__(self, url: str, token: str, expected: int) -> None:
        self.url, self.origin, self.token = url, page_origin(url), token
        self.socket: ClientConnection | None = None
        self.latencies_us: list[int] = []
        self.seen: set[int] = set()
        self.expected = expected
        self.all_in = asyncio.Event()
        self.join_s = 0.0

    async def open(self, attempts: int = 3) -> int:
        """Connect and wait for the welcome; like a browser, retry a failed handshake. Returns retries."""
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                self.socket = await connect(f"{self.url}?join={self.token}", origin=self.origin,  # type: ignore[arg-type]
                                            max_size=None, open_timeout=60, ping_interval=None)
            except (OSError, InvalidHandshake):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(1 + attempt)
                continue
            welcome = json.loads(await self.socket.recv())
            assert welcome["type"] == "welcome", welcome
            self.join_s = time.monotonic() - started
            return attempt
        raise AssertionError("unreachable")

    async def read(self, stats: dict[str, float]) -> None:
        assert self.socket is not None
        async for frame in self.socket:
            stats["received"] += 1
            stats["last_at"] = time.monotonic()
            if isinstance(frame, str) and frame.startswith(CHAT_PREFIX):
                self._record(json.loads(frame), time.time_ns())

    def _record(self, message: dict[str, Any], now_ns: int) -> None:
        parts = message["text"].split(":")
        if parts[0] != "bench" or int(parts[1]) in self.seen:
            return
        self.seen.add(int(parts[1]))
        self.latencies_us.append((now_ns - int(parts[2])) // 1000)
        if len(self.seen) >= self.expected:
            self.all_in.set()


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


async def command() -> str:
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    return line.strip()


async def connect_all(people: list[Participant], concurrency: int, stats: dict[str, float]) -> list[asyncio.Task]:
    """Connect everyone, ``concurrency`` at a time; each starts reading at once (a socket
    left unread stops answering the server's pings, and the server drops it)."""
    gate = asyncio.Semaphore(concurrency)
    readers: list[asyncio.Task] = []

    async def one(person: Participant) -> None:
        async with gate:
            stats["retries"] += await person.open()
        readers.append(asyncio.create_task(person.read(stats)))

    await asyncio.gather(*(one(person) for person in people))
    return readers


async def wait_quiet(stats: dict[str, float], quiet_s: float, limit_s: float) -> None:
    """Until nothing has arrived for ``quiet_s`` (the join-time presence storm is over)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and time.monotonic() - stats["last_at"] < quiet_s:
        await asyncio.sleep(0.1)


async def send_messages(sender: Participant, count: int, interval_s: float) -> None:
    assert sender.socket is not None
    for n in range(count):
        await sender.socket.send(json.dumps({"type": "chat.send", "text": f"bench:{n}:{time.time_ns()}"}))
        await asyncio.sleep(interval_s)


async def main(args: argparse.Namespace) -> None:
    tokens = json.loads(open(args.tokens_file).read())[args.start:args.end]
    urls = args.urls.split(",")
    people = [Participant(urls[(args.start + i) % len(urls)], row["token"], args.messages)
              for i, row in enumerate(tokens)]
    started = time.monotonic()
    stats = {"received": 0.0, "last_at": time.monotonic(), "retries": 0.0}
    readers = await connect_all(people, args.connect_concurrency, stats)
    joins = sorted(person.join_s for person in people)
    emit("connected", clients=len(people), seconds=round(time.monotonic() - started, 2),
         retries=int(stats["retries"]), join_p50_s=round(joins[len(joins) // 2], 2), join_max_s=round(joins[-1], 2))
    while (line := await command()) != "go":
        if line == "settle":
            await wait_quiet(stats, quiet_s=1.5, limit_s=args.settle_limit_s)
            emit("quiet", received=int(stats["received"]))
    cpu_at_go = time.process_time()
    if args.sender:
        asyncio.create_task(send_messages(people[0], args.messages, args.interval_ms / 1000))
    budget = args.messages * args.interval_ms / 1000 + args.drain_s
    try:
        await asyncio.wait_for(asyncio.gather(*(p.all_in.wait() for p in people)), budget)
    except asyncio.TimeoutError:
        pass  # whatever has not arrived by now counts as lost
    emit("result", latencies_us=[lat for p in people for lat in p.latencies_us],
         received=sum(len(p.seen) for p in people), expected=len(people) * args.messages,
         cpu_s=time.process_time() - cpu_at_go)
    for reader in readers:
        reader.cancel()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--urls", required=True, help="comma-separated ws:// URLs of the convening, one per worker")
    parser.add_argument("--tokens-file", required=True)
    parser.add_argument("--start", type=int, required=True)
    parser.add_argument("--end", type=int, required=True)
    parser.add_argument("--sender", action="store_true")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--interval-ms", type=float, default=100)
    parser.add_argument("--connect-concurrency", type=int, default=10)
    parser.add_argument("--settle-limit-s", type=float, default=120)
    parser.add_argument("--drain-s", type=float, default=10)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
