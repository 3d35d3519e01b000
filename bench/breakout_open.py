"""Breakout open-and-move benchmark: N connected participants, R rooms, one moderator.

    .venv/bin/python bench/breakout_open.py --participants 1000 --rooms 100 --layer memory
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/breakout_open.py --layer redis

Starts a fresh live database (tests/live.py: PostgreSQL if DATABASE_URL says so, else
SQLite) with N synthetic participants (bench/roster.py), daphne on 127.0.0.1 (one
worker on the in-memory layer; two sharing Redis with ``--layer redis``) and
``--client-procs`` client processes (this file, ``--role clients``), each holding its
share of the websockets. Once the join-time roster traffic has died down the moderator
(this process):

1. plans ``--rooms`` rooms three times by topic interest (the heavy strategy: every
   synthetic participant gets one to four lopsided interests among the session's
   topics): plan_ms = median time from ``breakout.plan`` to ``breakout.plan_ready``;
2. opens them: each participant's time from the moderator's ``breakout.open`` to its
   own ``breakout.assigned`` (p50, p99, max over those told). Anyone the plan placed
   who is never told their room (within ``--wait-s``) is counted in ``missing``; the
   run then exits with status 1 after printing its figures;
3. moves ``--moves`` participants one at a time to another room: time from
   ``breakout.move`` to the moved participant's ``breakout.assigned`` (p95), at a
   moderator's pace (``--move-every-s``, and never before everyone has the last move's
   ``breakout.changed``: the time that takes is printed). A moved person not told within
   ``--wait-s`` counts as ``--wait-s`` (and in ``move_timeouts``, also exit status 1). The
   people moved (``--movers``) are in a client process of their own, as each browser has its
   own machine: otherwise the figure is this process reading 999 other sockets' state updates.

Late joiners: ``--late-joiners`` more registered people (not connected when the plan is made,
so not in it) connect one after another (on a thread and event loop of their own) from the
moment the moderator sends ``breakout.open``, in two arrival shapes (``--shapes``), each a run of
its own (a fresh database and server, the same N people): *spread*, ``--late-every-ms`` apart
(100 over 25 s), and *burst*, all within ``--late-burst-s`` (100 in 2 s: everyone back from a
break at once, each join queueing on the worker's one database thread). Each is placed by the plan's rule as they connect (their
``welcome`` names their room) or, if they connected just before the rooms opened, by the
opening itself (``breakout.assigned``): late_p99_ms is the time from starting to connect to
knowing their room; ``late_placed`` counts those placed (all must be, or exit status 1).
The last line's figures are the burst's (the harder shape) with the spread's under
``late_spread_*`` (with both shapes; one shape alone: that shape's, and ``shape`` says which).

Clocks: every process reads the same machine's time_ns. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.roster import roster  # noqa: E402
from tests.live import DEMO_SLUG, DaphneServer, LiveDatabase, WsClient, join_tokens, manage  # noqa: E402
from tests.live_clients import password_cookie, password_rows  # noqa: E402
from tests.services import TEST_REDIS_URL  # noqa: E402

ASSIGNED = '"breakout.assigned"'
# The production presence timings (tests/live.py shortens them for tests), and no rate limit for the moderator.
SERVER_ENV = {"LOG_LEVEL": "WARNING", "RATE_LIMIT_BURST": "100000", "RATE_LIMIT_PER_S": "100000",
              "PRESENCE_HEARTBEAT_S": "5", "PRESENCE_TIMEOUT_S": "15"}
FAST_BACKENDS = {"memory": "signaling.layers.LocalChannelLayer",
                 "redis": "channels_redis.pubsub.RedisPubSubChannelLayer"}


# ---- client processes --------------------------------------------------------------------

VERSION = re.compile(r'"version":(\d+)')


CHANGED = '{"type":"breakout.changed",'


def _state_version(frame: str) -> int | None:
    """The version of a ``breakout.state`` or ``breakout.changed`` frame (what everyone hears
    after a move), without parsing its room lists."""
    if not frame.endswith('"type":"breakout.state"}') and not frame.startswith(CHANGED):
        return None
    found = VERSION.search(frame, 0, 200)
    return int(found.group(1)) if found else None


def _origin(ws_url: str) -> str:
    """The page origin a browser would send: the server's own scheme, host and port (config/origins.py)."""
    parts = urlsplit(ws_url)
    return f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"


WELCOME_SPACE = re.compile(r'"space":"([^"]*)"')


def _welcome_space(frame: str) -> str:
    """A welcome's space without decoding its 1,100-person roster: ``space`` comes before the
    roster and is the first key of that name (signaling.protocol.plenary.Welcome). One thread
    reads all the late joiners' sockets, so decoding 150 kB welcomes twice each queued the
    later joiners behind the earlier ones' parsing (the load generator's time, not the server's)."""
    found = WELCOME_SPACE.search(frame, 0, 8192)
    return found.group(1) if found else json.loads(frame)["space"]


def _assignments(frame: str) -> list[dict[str, Any]]:
    if ASSIGNED not in frame:
        return []  # most frames are roster and state updates: not even parsed
    message = json.loads(frame)
    found = message["messages"] if message.get("type") == "batch" else [message]
    return [m for m in found if m.get("type") == "breakout.assigned"]


async def _participant(url: str, row: dict[str, Any], arrivals: list[tuple[int, str, int]],
                       stats: dict[str, float], gate: asyncio.Semaphore, versions: dict[int, int]) -> None:
    from websockets.asyncio.client import connect

    async with gate:  # until the welcome: joins queue on the server's database thread
        socket = await connect(f"{url}?join={row['token']}", origin=_origin(url), max_size=None,
                               open_timeout=120, ping_interval=None)
        await socket.recv()
    stats["connected"] += 1
    async for frame in socket:
        stats["last_at"] = time.monotonic()
        if isinstance(frame, str):
            if (version := _state_version(frame)) is not None:
                versions[row["participant_id"]] = max(version, versions.get(row["participant_id"], 0))
            for message in _assignments(frame):
                arrivals.append((row["participant_id"], message["room"]["key"], time.time_ns()))


def _emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


async def clients_main(args: argparse.Namespace) -> None:
    rows = json.loads(Path(args.tokens_file).read_text())[args.start:args.end]
    urls = args.urls.split(",")
    arrivals: list[tuple[int, str, int]] = []
    stats = {"connected": 0.0, "last_at": time.monotonic()}
    gate = asyncio.Semaphore(args.connect_concurrency)
    versions: dict[int, int] = {}  # the newest breakout.state / breakout.changed each person has
    tasks = [asyncio.create_task(_participant(urls[(args.start + i) % len(urls)], row, arrivals, stats, gate,
                                              versions)) for i, row in enumerate(rows)]
    while stats["connected"] < len(rows):
        await asyncio.sleep(0.1)
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
    _emit("connected", clients=len(rows))
    loop = asyncio.get_running_loop()
    while (line := (await loop.run_in_executor(None, sys.stdin.readline)).strip()) != "stop":
        if line == "settle":  # until nothing arrived for 1.5 s: the join storm is over
            while time.monotonic() - stats["last_at"] < 1.5:
                await asyncio.sleep(0.1)
            _emit("quiet")
        elif line.startswith("version "):  # until everyone has this state version (or 30 s)
            wanted, deadline = int(line.split()[1]), time.monotonic() + 30
            while (len(versions) < len(rows) or min(versions.values()) < wanted) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            _emit("version", at=time.time_ns())
        elif line == "report":
            _emit("arrivals", arrivals=arrivals)
            arrivals.clear()
    for task in tasks:
        task.cancel()


# ---- orchestrator ----------------------------------------------------------------------------

class Clients:
    def __init__(self, args: argparse.Namespace, servers: list[DaphneServer], tokens_file: str) -> None:
        urls = ",".join(server.ws_url(f"/ws/convenings/{DEMO_SLUG}/") for server in servers)
        # The first --movers people get a process of their own: a browser reads only its own
        # socket, so a moved person's notice must not wait behind 999 others' frames.
        movers = min(args.movers, args.participants)
        share = -(-(args.participants - movers) // args.client_procs)
        ranges = [(0, movers)] + [(movers + n * share, min(args.participants, movers + (n + 1) * share))
                                  for n in range(args.client_procs)]
        self.procs = [subprocess.Popen(
            [sys.executable, __file__, "--role", "clients", "--urls", urls, "--tokens-file", tokens_file,
             "--start", str(start), "--end", str(end), "--connect-concurrency", str(args.connect_concurrency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for start, end in ranges if end > start]

    def tell(self, line: str) -> None:
        for proc in self.procs:
            proc.stdin.write(line + "\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]

    def hear(self, event: str) -> list[dict[str, Any]]:
        heard = [json.loads(proc.stdout.readline() or '{"event": "exited"}') for proc in self.procs]  # type: ignore[union-attr]
        assert all(h["event"] == event for h in heard), heard
        return heard

    def wait_version(self, version: int) -> list[dict[str, Any]]:
        self.tell(f"version {version}")
        return self.hear("version")

    def arrivals(self) -> list[tuple[int, str, int]]:
        self.tell("report")
        return [tuple(a) for h in self.hear("arrivals") for a in h["arrivals"]]  # type: ignore[misc]

    def close(self) -> None:
        self.tell("stop")
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


# Interests for the synthetic participants (bench/roster.py gives none): lopsided, as real ones
# are — a few topics are everyone's favourite (Zipf-like), first choice first.
INTERESTS = """
import random
from convenings.models import Session
from people.models import Participant
session = Session.objects.get(convening__slug={slug!r}, order=2)
topics = list(session.topics.order_by("pk").values_list("pk", flat=True))
assert topics, "the benchmark session has no topics to plan by"
weights = [1 / (rank + 1) ** 1.3 for rank in range(len(topics))]
rng, rows = random.Random(2024), []
Through = Participant.interests.through
people = Participant.objects.filter(user__username__startswith="bench").order_by("pk")
Through.objects.filter(participant__in=people).delete()
for person in people.values_list("pk", flat=True):
    chosen = dict.fromkeys(rng.choices(topics, weights)[0] for _ in range(rng.randint(1, 4)))
    rows += [Through(participant_id=person, topic_id=topic) for topic in chosen]
Through.objects.bulk_create(rows)
print(session.pk, len(topics), len(rows))
"""


def give_interests(db_url: str) -> int:
    """The benchmark session's id, once every synthetic participant has interests in its topics."""
    session, topics, rows = manage(db_url, "shell", "-c", INTERESTS.format(slug=DEMO_SLUG)).split()[-3:]
    print(f"{rows} interests in {topics} topics", flush=True)
    return int(session)


async def _moderator(server: DaphneServer, cookie: str) -> WsClient:
    """The moderator's socket, without keepalive pings: a daphne loop busy for 20 s on a loaded
    box (the open's fan-outs) otherwise ended the run with "keepalive ping timeout"."""
    from websockets.asyncio.client import connect

    socket = await connect(server.ws_url(f"/ws/convenings/{DEMO_SLUG}/"), origin=server.http_url,  # type: ignore[arg-type]
                           additional_headers={"Cookie": cookie}, max_size=16 * 1024 * 1024, open_timeout=60,
                           ping_interval=None)
    return WsClient(socket)


async def _plan(moderator: WsClient, session: int, rooms: int, seed: int) -> tuple[float, dict]:
    started = time.perf_counter()
    await moderator.send("breakout.plan", session_id=session, strategy="topic", room_count=rooms, seed=seed)
    ready = await moderator.expect("breakout.plan_ready", timeout=60)
    return (time.perf_counter() - started) * 1000, ready


async def _open(moderator: WsClient, session: int, clients: Clients, expected: set[int],
                wait_s: float) -> tuple[dict, dict[int, float]]:
    """Open the rooms; each expected person's time to their ``breakout.assigned`` (missing: never told)."""
    started = time.time_ns()
    await moderator.send("breakout.open", session_id=session, duration_s=3600)
    state = await moderator.expect("breakout.state", lambda m: m["rooms"] and m["rooms"][0]["state"] == "open", 60)
    deadline = time.monotonic() + wait_s
    arrived: dict[int, int] = {}
    while not expected <= arrived.keys() and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        for pid, _, at in await asyncio.to_thread(clients.arrivals):  # the loop keeps answering pings
            arrived.setdefault(pid, at)
    return state, {pid: (at - started) / 1e6 for pid, at in arrived.items() if pid in expected}


async def _late_joiner(server: DaphneServer, row: dict[str, Any], wait_s: float) -> float | None:
    """Connect a late joiner; ms until they know their room (welcome's space, or breakout.assigned)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    started = time.time_ns()
    url = server.ws_url(f"/ws/convenings/{DEMO_SLUG}/")
    deadline = time.monotonic() + wait_s
    try:
        return await _placed(connect, url, row, started, deadline)
    except (OSError, InvalidHandshake, ConnectionClosed) as exc:  # e.g. the handshake timed out on the server
        print(f"late joiner {row['participant_id']} could not connect: {exc!r}", file=sys.stderr, flush=True)
        return None  # not placed: counted, never hidden


async def _placed(connect: Any, url: str, row: dict[str, Any], started: int, deadline: float) -> float | None:
    async with connect(f"{url}?join={row['token']}", origin=_origin(url), max_size=None,
                       open_timeout=120, ping_interval=None) as socket:
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = await asyncio.wait_for(socket.recv(), left)
            except TimeoutError:
                break
            arrived = time.time_ns()  # before reading it: a browser parses its own welcome on its own machine
            if not isinstance(frame, str):
                continue
            if frame.startswith('{"type":"welcome"'):
                if _welcome_space(frame) != "plenary":
                    return (arrived - started) / 1e6
            elif _assignments(frame):
                return (arrived - started) / 1e6
    return None


async def _late_joiners(servers: list[DaphneServer], rows: list[dict[str, Any]], every_ms: float,
                        wait_s: float) -> list[float | None]:
    async def one(i: int, row: dict[str, Any]) -> float | None:
        await asyncio.sleep(i * every_ms / 1000)
        return await _late_joiner(servers[i % len(servers)], row, wait_s)
    return list(await asyncio.gather(*(one(i, row) for i, row in enumerate(rows))))


async def _told(clients: Clients, person: int, room: str, since: int, deadline: float) -> int | None:
    """When ``person`` was told they are in ``room`` (after ``since``), polling until ``deadline``."""
    while True:
        found = [at for pid, to, at in await asyncio.to_thread(clients.arrivals) if pid == person and to == room and at > since]
        if found or time.monotonic() >= deadline:
            return min(found) if found else None
        await asyncio.sleep(0.05)


async def _moves(moderator: WsClient, state: dict, clients: Clients, people: list[int], count: int,
                 pace_s: float, wait_s: float) -> tuple[list[float], int]:
    rng = random.Random(7)
    room_of = {pid: r["key"] for r in state["rooms"] for pid in r["members"]}
    keys = [r["key"] for r in state["rooms"]]
    latencies, fanout_ms, timeouts = [], [], 0
    for _ in range(count):
        person = rng.choice(people)
        target = rng.choice([k for k in keys if k != room_of[person]])
        started, deadline = time.time_ns(), time.monotonic() + wait_s
        await moderator.send("breakout.move", participant_id=person, room=target)
        # Everyone hears the rooms the move touched (breakout.changed), not every room's members.
        state = await moderator.expect("breakout.changed", lambda m, t=target, p=person: p in next(
            (r["members"] for r in m["rooms"] if r["key"] == t), []), 30)
        # Moves come at a person's pace: the next one after everyone has this one's state.
        fanout_ms.append((max(h["at"] for h in await asyncio.to_thread(clients.wait_version, state["version"])) - started) / 1e6)
        told = await _told(clients, person, target, started, deadline)
        await asyncio.sleep(max(0.0, pace_s - (time.time_ns() - started) / 1e9))
        if told is None:  # never told: counted at the wait, a number JSON can carry
            timeouts += 1
            print(f"move {len(latencies) + 1}: participant {person} was not told within {wait_s:.0f} s", flush=True)
        latencies.append((told - started) / 1e6 if told is not None else wait_s * 1000)
        room_of[person] = target
    if fanout_ms:
        print(f"everyone had the new state after p50 {statistics.median(fanout_ms):.0f} ms, "
              f"max {max(fanout_ms):.0f} ms", flush=True)
    return latencies, timeouts


def _rounded(values: list[float], figure: str) -> float | None:
    """A figure over ``values`` in ms, rounded; None (JSON null) when there are none."""
    if not values:
        return None
    pick = {"p50": statistics.median, "p95": lambda v: percentile(v, 0.95), "p99": lambda v: percentile(v, 0.99),
            "max": max}[figure]
    return round(pick(values), 1)


async def measure(args: argparse.Namespace, servers: list[DaphneServer], tokens: list[dict], db_url: str,
                  tokens_file: str) -> dict[str, Any]:
    tokens, late_tokens = tokens[:args.participants], tokens[args.participants:]
    session = give_interests(db_url)
    # Moderators get no join link: the moderator signs in with the demo password.
    moderator_cookie = password_cookie(servers[0], password_rows(db_url)[0]["username"])
    clients = Clients(args, servers, tokens_file)
    try:
        started = time.monotonic()
        clients.hear("connected")
        clients.tell("settle")
        clients.hear("quiet")
        print(f"{args.participants} connected and quiet after {time.monotonic() - started:.1f}s", flush=True)
        moderator = await _moderator(servers[0], moderator_cookie)
        await moderator.expect("welcome", timeout=60)
        plans = [await _plan(moderator, session, args.rooms, seed) for seed in range(3)]
        plan_ms, ready = statistics.median(ms for ms, _ in plans), plans[-1][1]
        connected = {row["participant_id"] for row in tokens}
        expected = {pid for room in ready["rooms"] for pid in room["members"]} & connected
        print(f"planned by topic: first choice {ready['stats']['first_choice_share']}, "
              f"any interest {ready['stats']['any_interest_share']}, "
              f"rooms of {ready['stats']['smallest']}-{ready['stats']['largest']}", flush=True)
        late_rows = late_tokens[:args.late_joiners]
        # On a loop of their own (a thread): this loop blocks while the client processes report.
        late_task = asyncio.create_task(asyncio.to_thread(
            asyncio.run, _late_joiners(servers, late_rows, args.late_every_ms, args.wait_s)))
        state, open_ms = await _open(moderator, session, clients, expected, args.wait_s)
        late = await late_task
        late_ms = [ms for ms in late if ms is not None]
        print(f"late joiners, one every {args.late_every_ms:g} ms: {len(late_ms)}/{len(late_rows)} placed, "
              f"p50 {_rounded(late_ms, 'p50')} ms, p99 {_rounded(late_ms, 'p99')} ms", flush=True)
        missing = sorted(expected - open_ms.keys())
        print(f"opened: {len(open_ms)}/{len(expected)} told their room", flush=True)
        if missing:
            print(f"NEVER TOLD THEIR ROOM: {len(missing)} participants, e.g. {missing[:10]}", file=sys.stderr, flush=True)
        people = [row["participant_id"] for row in tokens[:args.movers] if row["participant_id"] in expected]
        move_ms, move_timeouts = await _moves(moderator, state, clients, people, args.moves, args.move_every_s,
                                              args.wait_s)
        await moderator.close()
    finally:
        clients.close()
    told = list(open_ms.values())
    return {"participants": args.participants, "rooms": args.rooms, "layer": args.layer,
            "workers": len(servers), "backend": args.backend,
            "database": "postgresql" if "postgres" in db_url else "sqlite", "strategy": "topic",
            "plan_ms": round(plan_ms, 1), "open_p50_ms": _rounded(told, "p50"),
            "open_p99_ms": _rounded(told, "p99"), "open_max_ms": _rounded(told, "max"),
            "told": len(told), "missing": len(missing), "move_p50_ms": _rounded(move_ms, "p50"),
            "move_p95_ms": _rounded(move_ms, "p95"), "move_max_ms": _rounded(move_ms, "max"),
            "move_timeouts": move_timeouts, "late_joiners": len(late_rows), "late_placed": len(late_ms),
            "late_every_ms": args.late_every_ms, "late_p50_ms": _rounded(late_ms, "p50"),
            "late_p99_ms": _rounded(late_ms, "p99")}


def start_servers(args: argparse.Namespace, db_url: str) -> list[DaphneServer]:
    env, redis_url = dict(SERVER_ENV), None
    if args.layer == "redis":
        redis_url = os.environ.get("REDIS_URL") or TEST_REDIS_URL
        env["CHANNEL_PREFIX"] = f"convene-bench-{secrets.token_hex(4)}"
    if args.backend == "fast":
        env["CHANNEL_LAYER_BACKEND"] = FAST_BACKENDS[args.layer]
    workers = 2 if args.layer == "redis" else 1
    return [DaphneServer(db_url, redis_url, env, name=f"bench-{n}").start(timeout=60) for n in range(workers)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = LiveDatabase().create()
    servers: list[DaphneServer] = []
    try:
        text = roster(database.url, DEMO_SLUG, "--bench-participants",
                      str(args.participants + args.late_joiners), "--json")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(text)
        servers = start_servers(args, database.url)
        return asyncio.run(measure(args, servers, json.loads(text), database.url, handle.name))
    finally:
        for server in servers:
            server.stop()
        database.drop()


def shapes(args: argparse.Namespace) -> dict[str, Any]:
    """One run per arrival shape; the burst's figures (the harder shape) with the spread's as ``late_spread_*``."""
    every = {"spread": args.late_every_ms, "burst": 1000 * args.late_burst_s / max(1, args.late_joiners)}
    runs = {shape: run(argparse.Namespace(**{**vars(args), "late_every_ms": every[shape]}))
            for shape in args.shapes.split(",")}
    if set(runs) != {"spread", "burst"}:
        (shape, result), = runs.items()
        return {**result, "shape": shape}
    spread = runs["spread"]
    return {**runs["burst"], "late_spread_every_ms": spread["late_every_ms"], "late_spread_placed": spread["late_placed"],
            "late_spread_p50_ms": spread["late_p50_ms"], "late_spread_p99_ms": spread["late_p99_ms"],
            "missing": spread["missing"] + runs["burst"]["missing"],
            "move_timeouts": spread["move_timeouts"] + runs["burst"]["move_timeouts"],
            "all_late_placed": all(r["late_placed"] == r["late_joiners"] for r in runs.values())}


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--backend", choices=["stock", "fast"], default="fast",
                        help="stock: the settings' channel layer; fast: LocalChannelLayer / RedisPubSubChannelLayer")
    parser.add_argument("--moves", type=int, default=50)
    parser.add_argument("--move-every-s", type=float, default=1.0, help="a moderator's pace (at least)")
    parser.add_argument("--client-procs", type=int, default=1, help="processes for everyone but the movers")
    parser.add_argument("--movers", type=int, default=50, help="people who may be moved (own client process)")
    parser.add_argument("--connect-concurrency", type=int, default=10)
    parser.add_argument("--late-joiners", type=int, default=100, help="people connecting while the rooms open")
    parser.add_argument("--late-every-ms", type=float, default=250.0,
                        help="spread: between two late joiners' arrivals (default: 100 people over the open's first 25 s)")
    parser.add_argument("--late-burst-s", type=float, default=2.0, help="burst: every late joiner arrives within this")
    parser.add_argument("--shapes", default="spread,burst", help="late joiners' arrival shapes to run: spread, burst or both")
    parser.add_argument("--wait-s", type=float, default=60.0,
                        help="how long a participant may take to be told their room before counting as missing")
    parser.add_argument("--role", choices=["orchestrator", "clients"], default="orchestrator")
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    parser.add_argument("--tokens-file", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--end", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.role == "clients":
        asyncio.run(clients_main(arguments))
    else:
        result = shapes(arguments)
        print(json.dumps(result, allow_nan=False))  # valid JSON: no NaN or Infinity
        if result["missing"] or result["move_timeouts"] or not result.get("all_late_placed", True) \
                or result["late_placed"] < result["late_joiners"]:
            sys.exit(1)  # after the figures: someone never got their room
