"""Plenary fan-out benchmark: N participants in one convening, one of them chatting.

    .venv/bin/python bench/plenary_fanout.py --clients 1000 --workers 1 --layer memory
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/plenary_fanout.py --workers 2 --layer redis
    .venv/bin/python bench/plenary_fanout.py --clients 300 --profile /tmp/fanout-prof   # where the CPU goes

Starts a fresh live database (tests/live.py: PostgreSQL if DATABASE_URL says so,
else SQLite) with N synthetic participants (bench/roster.py), ``--workers``
daphne processes on 127.0.0.1 and ``--client-procs`` client processes
(bench/fanout_clients.py). Once everyone is connected and the join-time presence
traffic has died down, one client sends ``--messages`` chat messages, one every
``--interval-ms``; every client measures how long each took to arrive.
Resident memory per client = growth of the daphne processes' RSS while the clients
connected, divided by the clients. The last line printed is one JSON summary.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.roster import roster  # noqa: E402
from tests.live import DEMO_SLUG, DaphneServer, LiveDatabase, forget_redis_prefix  # noqa: E402
from tests.services import TEST_REDIS_URL  # noqa: E402

FAST_BACKENDS = {"memory": "signaling.layers.LocalChannelLayer",
                 "redis": "channels_redis.pubsub.RedisPubSubChannelLayer"}
SERVER_ENV = {
    "LOG_LEVEL": "WARNING",
    # One client sends --messages at its own pace; the per-person rate limit would stop it.
    "RATE_LIMIT_BURST": "100000", "RATE_LIMIT_PER_S": "100000",
    # The settings' presence timings, not tests.live's 1 s / 3 s: on the loaded shared box a
    # worker's heartbeat was sometimes 3 s late during the joins, the other worker swept its
    # rows and ~30 clients were told to reconnect (4408) — and counted lost.
    "PRESENCE_HEARTBEAT_S": "5", "PRESENCE_TIMEOUT_S": "15",
}


# --profile: a sitecustomize for the daphne processes only (py-spy is not installed): SIGUSR1
# starts cProfile on the event loop's thread (CPU time), SIGUSR2 writes prof-<pid>.out.
PROFILE_HOOK = """
import os, signal, sys
if any("daphne" in a for a in getattr(sys, "orig_argv", sys.argv)) and os.environ.get("CONVENE_BENCH_PROFILE"):
    import cProfile, time
    _profile = []
    def _start(*_):
        _profile[:] = [cProfile.Profile(time.process_time)]
        _profile[0].enable()
    def _stop(*_):
        if _profile:
            _profile[0].disable()
            _profile.pop().dump_stats(os.path.join(os.environ["CONVENE_BENCH_PROFILE"], f"prof-{os.getpid()}.out"))
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
"""


def profile_env(directory: str) -> dict[str, str]:
    Path(directory, "sitecustomize.py").write_text(PROFILE_HOOK)
    path = os.pathsep.join(filter(None, [directory, os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path, "CONVENE_BENCH_PROFILE": directory}


def print_profiles(directory: str, servers: list["DaphneServer"], top: int = 25) -> None:
    import pstats

    time.sleep(1)  # the processes write their profiles on SIGUSR2
    for server in servers:
        path = Path(directory, f"prof-{server.pid}.out")
        if path.exists():
            print(f"--- cProfile of {server.name} (pid {server.pid}) during the chat phase, by own CPU time")
            pstats.Stats(str(path), stream=sys.stdout).sort_stats("tottime").print_stats(top)


def rss_kib(servers: list[DaphneServer]) -> int:
    return sum(psutil.Process(server.pid).memory_info().rss for server in servers) // 1024


def cpu_s(servers: list[DaphneServer]) -> float:
    """CPU time the daphne processes have used (all threads): unlike wall time, it does not
    grow when other programs on the machine compete for the cores."""
    return sum(sum(psutil.Process(server.pid).cpu_times()[:2]) for server in servers)


def start_servers(args: argparse.Namespace, db_url: str) -> list[DaphneServer]:
    env = dict(SERVER_ENV)
    redis_url = None
    if args.layer == "redis":
        redis_url = os.environ.get("REDIS_URL") or TEST_REDIS_URL
        env["CHANNEL_PREFIX"] = f"convene-bench-{secrets.token_hex(4)}"
    if args.backend == "fast":
        env["CHANNEL_LAYER_BACKEND"] = FAST_BACKENDS[args.layer]
    if args.profile:
        env.update(profile_env(args.profile))
    return [DaphneServer(db_url, redis_url, env, name=f"bench-{n}").start(timeout=60) for n in range(args.workers)]


class ClientProcs:
    """The client processes, and the line-by-line conversation with them."""

    def __init__(self, args: argparse.Namespace, servers: list[DaphneServer], tokens_file: str) -> None:
        urls = ",".join(server.ws_url(f"/ws/convenings/{DEMO_SLUG}/") for server in servers)
        share = -(-args.clients // args.client_procs)
        self.procs = []
        for n in range(args.client_procs):
            start, end = n * share, min(args.clients, (n + 1) * share)
            command = [sys.executable, str(ROOT / "bench" / "fanout_clients.py"), "--urls", urls,
                       "--tokens-file", tokens_file, "--start", str(start),
                       "--end", str(end), "--messages", str(args.messages), "--interval-ms", str(args.interval_ms),
                       "--connect-concurrency", str(args.connect_concurrency)] + (["--sender"] if n == 0 else [])
            log = open(Path(tempfile.gettempdir()) / f"convene-bench-clients-{n}.log", "w")  # noqa: SIM115
            self.procs.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=log, text=True))

    def tell(self, line: str) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(line + "\n")
            proc.stdin.flush()

    def hear(self, event: str) -> list[dict[str, Any]]:
        heard = []
        for proc in self.procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                log = Path(tempfile.gettempdir()) / f"convene-bench-clients-{self.procs.index(proc)}.log"
                raise RuntimeError(f"a client process exited (code {proc.wait()}) before {event!r}:\n"
                                   f"{log.read_text()[-3000:]}")
            message = json.loads(line)
            assert message["event"] == event, message
            heard.append(message)
        return heard

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(args: argparse.Namespace, servers: list[DaphneServer], tokens_file: str) -> dict[str, Any]:
    before = rss_kib(servers)
    clients = ClientProcs(args, servers, tokens_file)
    try:
        started = time.monotonic()
        connected = clients.hear("connected")
        print(f"connected {sum(c['clients'] for c in connected)} clients in {time.monotonic() - started:.1f}s "
              f"(join p50 {max(c['join_p50_s'] for c in connected)}s, max {max(c['join_max_s'] for c in connected)}s, "
              f"{sum(c['retries'] for c in connected)} handshake retries)", flush=True)
        clients.tell("settle")
        clients.hear("quiet")
        after = rss_kib(servers)
        print(f"quiet after {time.monotonic() - started:.1f}s; daphne RSS {before} → {after} KiB", flush=True)
        cpu_before = cpu_s(servers)
        signal_servers(args, servers, signal.SIGUSR1)
        clients.tell("go")
        results = clients.hear("result")
        server_cpu = cpu_s(servers) - cpu_before
        signal_servers(args, servers, signal.SIGUSR2)
    finally:
        clients.close()
    latencies_ms = [lat / 1000 for result in results for lat in result["latencies_us"]]
    expected = sum(result["expected"] for result in results)
    received = sum(result["received"] for result in results)
    return {"clients": args.clients, "workers": args.workers, "layer": args.layer, "backend": args.backend,
            "messages": args.messages, "interval_ms": args.interval_ms,
            "p50_ms": round(statistics.median(latencies_ms), 1) if latencies_ms else None,
            "p99_ms": round(percentile(latencies_ms, 0.99), 1), "max_ms": round(max(latencies_ms, default=0), 1),
            "lost": expected - received, "kib_per_client": round((after - before) / args.clients, 1),
            # CPU per delivered chat frame, servers and clients: what a fan-out costs, whatever the load.
            "server_cpu_us_per_frame": round(server_cpu / max(received, 1) * 1e6, 1),
            "client_cpu_us_per_frame": round(sum(r["cpu_s"] for r in results) / max(received, 1) * 1e6, 1),
            "load_avg_1m": round(os.getloadavg()[0], 1),
            "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite"}


def signal_servers(args: argparse.Namespace, servers: list[DaphneServer], signum: int) -> None:
    if args.profile:
        for server in servers:
            os.kill(server.pid, signum)


def warm_up(servers: list[DaphneServer], token: str) -> None:
    """One connection per worker first, so lazy imports are not counted as per-client memory."""
    import asyncio

    from tests.live import WsClient

    async def visit() -> None:
        for server in servers:
            client = await WsClient.open(server, token)
            await client.expect("welcome", timeout=30)
            await client.close()

    asyncio.run(visit())
    time.sleep(1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = LiveDatabase().create()
    servers: list[DaphneServer] = []
    try:
        tokens = roster(database.url, DEMO_SLUG, "--bench-participants", str(args.clients), "--json")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            handle.write(tokens)
        servers = start_servers(args, database.url)
        warm_up(servers, json.loads(tokens)[0]["token"])
        summary = measure(args, servers, handle.name)
        if args.profile:
            print_profiles(args.profile, servers)
        return summary
    finally:
        for server in servers:
            server.stop()
            if "CHANNEL_PREFIX" in server.env:
                forget_redis_prefix(server.env["CHANNEL_PREFIX"], server.env["REDIS_URL"])
        database.drop()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--backend", choices=["fast", "stock"], default="fast",
                        help="fast: LocalChannelLayer / RedisPubSubChannelLayer; stock: the settings' default")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--interval-ms", type=float, default=200)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--connect-concurrency", type=int, default=10)
    parser.add_argument("--profile", metavar="DIR",
                        help="cProfile the daphne workers during the chat phase (it slows them); stats printed")
    args = parser.parse_args()
    if args.profile:
        args.profile = os.path.abspath(args.profile)
        os.makedirs(args.profile, exist_ok=True)
    if args.workers > 1 and args.layer != "redis":
        parser.error("several workers need a shared layer: --layer redis")
    return args


if __name__ == "__main__":
    summary = run(parse())
    print(json.dumps(summary))
