"""Benchmark: the plenary on 1 media worker vs spread over 2 (cascading, issue 16). Not a test.

Real worker processes (this file with ``--serve``: a ``MediaHub``, its ``Cascade`` relay and
heartbeats in Redis, as ``manage.py media_worker`` runs them, behind a small JSON-over-TCP
signaling stand-in so no web server or database is needed); connections placed by the real
``Placement.worker_for_connection``. The stage: a presenter's camera (320x180, 15 fps), screen
(640x360, 5 fps) and microphone; 4 active speakers (loud microphones) with camera (160x96) and
microphone: each viewer receives 11 tracks. The publishers are aiortc peers in a process of their
own; the viewers, in this process, connect as a browser does and then only count the packets
their sockets receive (bench/packet_counter.py: no decryption, no decoding), so one client
process can load the workers with hundreds of viewers.

For each configuration (1 worker, then 2, in the same run) viewers are added in steps
(``--steps``); at each step, after every viewer receives all 11 tracks, a window of ``--seconds``
measures each worker's CPU time (``/proc/<pid>/stat``), the video frames every viewer got against
the frames the publishers sent (``loss_pct``), and packets missing by sequence number. From the
steps, each worker's CPU is fitted as fixed + per-viewer cost; the viewers one worker-core
sustains is where its CPU reaches one core. With 2 workers the most loaded one bounds it (the
home worker also receives the publishers and sends the relay). ``scaling`` = viewers_2_workers /
viewers_1_worker.

Why fitted, not driven to the limit: this box has 2 cores, so two workers at a full core each
would leave nothing for the publishers and the viewers. The steps are chosen to load the workers
well past their fixed cost (``--steps 40 100 160``: up to three quarters of a core for one
worker), and every measured step is checked for loss.

    .venv/bin/python bench/plenary_workers.py [--steps 40 100 160] [--seconds 8]

Last stdout line: one JSON object (``viewers_1_worker``, ``viewers_2_workers``, ``scaling`` and
the measurements behind them). ``bench/media_networks.py --workers`` imports ``figures``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signaling.media.ice import restrict_host_addresses  # noqa: E402
from signaling.media.signals import SignalOut  # noqa: E402
from bench.packet_counter import PacketCounter, count_packets, media_types  # noqa: E402
from tests.signaling.media.synthetic import PatternVideoTrack, SyntheticParticipant, ToneAudioTrack  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SPACE = "bench-plenary"
TRACKS_PER_VIEWER = 11
VIDEOS_PER_VIEWER = 6
AUDIOS_PER_VIEWER = 5
JOIN_BATCH = 8
STEPS = [40, 100, 160]  # viewers: from a quarter to three quarters of a worker's core here
SECONDS = 8.0
WINDOW_EDGE_PCT = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


# ---- a worker process ------------------------------------------------------------------------

async def serve(name: str, port: int, prefix: str) -> None:
    from signaling.media.cascade import Cascade
    from signaling.media.hub import MediaHub
    from signaling.media.placement import HEARTBEAT_S, Placement
    from signaling.media.server import MediaServer

    hub = MediaHub(MediaServer(host_addresses=["127.0.0.1"]))
    placement = Placement(REDIS_URL, prefix)
    cascade = Cascade(name, hub, placement, "127.0.0.1")
    await cascade.start()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def push(pid: str) -> Callable[[SignalOut], Awaitable[None]]:
            async def send(signal: SignalOut) -> None:
                writer.write(json.dumps({"signal": pid, "data": signal.to_dict()}).encode() + b"\n")
            return send

        while line := await reader.readline():
            m = json.loads(line)
            try:
                if m["op"] == "join":
                    result: Any = await hub.join(m["pid"], SPACE, large=True, role=m["role"], send=push(m["pid"]))
                elif m["op"] == "offer":
                    result = await hub.offer(m["pid"], m["sdp"], m["labels"])
                elif m["op"] == "video_in":  # video frames its publishers sent it, so far
                    result = sum(pub.frames_in for peer in hub.server._peers.values()
                                 for pub in peer.publications.values() if pub.kind == "video")
                elif m["op"] == "answer":
                    result = await hub.answer(m["pid"], m["sdp"])
                else:
                    result = await hub.leave(m["pid"])
                writer.write(json.dumps({"id": m["id"], "result": result}).encode() + b"\n")
            except Exception as exc:  # noqa: BLE001 — the bench prints it
                writer.write(json.dumps({"id": m["id"], "error": repr(exc)}).encode() + b"\n")

    await asyncio.start_server(handle, "127.0.0.1", port, limit=1 << 20)
    while True:
        await placement.beat(name, {**hub.stats(), "cascade": cascade.stats()}, relay=cascade.address)
        await asyncio.sleep(HEARTBEAT_S)


# ---- this side: a worker's signaling, participants ------------------------------------------------

class WorkerLink:
    """One TCP connection to a worker process, shared by the participants placed on it."""

    def __init__(self, name: str, process: subprocess.Popen[bytes] | None, port: int) -> None:
        self.name, self.process, self.port = name, process, port
        self.calls: dict[int, asyncio.Future[Any]] = {}
        self.listeners: dict[str, Callable[[SignalOut], Awaitable[None]]] = {}
        self.next = 0

    async def open(self) -> None:
        for _ in range(100):
            try:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
                break
            except OSError:
                await asyncio.sleep(0.2)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self.reader.readline():
            m = json.loads(line)
            if "signal" in m:
                await self.listeners[m["signal"]](SignalOut.from_dict(m["data"]))
            elif "error" in m:
                self.calls.pop(m["id"]).set_exception(RuntimeError(m["error"]))
            else:
                self.calls.pop(m["id"]).set_result(m["result"])

    async def call(self, **fields: Any) -> Any:
        self.next += 1
        future = self.calls[self.next] = asyncio.get_running_loop().create_future()
        self.writer.write(json.dumps({"id": self.next, **fields}).encode() + b"\n")
        return await asyncio.wait_for(future, 30)

    def cpu_s(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class Transport:
    """SyntheticParticipant's signaling, to the worker the placement chose."""

    def __init__(self, link: WorkerLink) -> None:
        self.link = link

    async def join(self, participant_id: str, space_id: str, on_signal: Any, role: str) -> None:
        self.link.listeners[participant_id] = on_signal
        await self.link.call(op="join", pid=participant_id, role=role)

    async def offer(self, participant_id: str, sdp: str, track_labels: dict[str, str], **_: Any) -> str:
        return str(await self.link.call(op="offer", pid=participant_id, sdp=sdp, labels=track_labels))

    async def answer(self, participant_id: str, sdp: str) -> None:
        await self.link.call(op="answer", pid=participant_id, sdp=sdp)

    async def leave(self, participant_id: str) -> None:
        await self.link.call(op="leave", pid=participant_id)


async def join(links: dict[str, WorkerLink], placement: Any, pid: str, role: str,
               tracks: dict[str, Any]) -> tuple[SyntheticParticipant, str]:
    """One participant, on the worker the placement picks for it."""
    name = await placement.worker_for_connection(SPACE, role=role)
    assert name is not None
    participant = SyntheticParticipant(pid, Transport(links[name]), decode=False)
    for label, track in tracks.items():
        participant.publish(label, track)
    await participant.join(SPACE, role)
    return participant, name


async def publish(prefix: str, ports: dict[str, int]) -> None:
    """The stage and 4 speakers, in a process of their own (their encoders must not share a core's
    event loop with the viewers): until terminated."""
    from signaling.media.placement import Placement

    links = {name: WorkerLink(name, None, port) for name, port in ports.items()}
    for link in links.values():
        await link.open()
    placement = Placement(REDIS_URL, prefix)
    await join(links, placement, "1:stage", "presenter", {"camera": PatternVideoTrack(1, 320, 180),
               "microphone": ToneAudioTrack(300.0), "screen": PatternVideoTrack(2, 640, 360, fps=5)})
    for i in range(4):
        await join(links, placement, f"{10 + i}:speaker", "participant",
                   {"camera": PatternVideoTrack(10 + i), "microphone": ToneAudioTrack(400.0 + 50 * i)})
    await asyncio.Event().wait()


async def measure(workers: int, steps: list[int], seconds: float) -> dict[str, Any]:
    """One configuration: ``workers`` processes, viewers added up to each of ``steps``."""
    from signaling.media.placement import Placement

    prefix = f"bench-cascade-{secrets.token_hex(4)}"
    links: dict[str, WorkerLink] = {}
    for i in range(workers):
        name, port = f"media-{'ab'[i]}", 42000 + secrets.randbelow(20000)
        process = subprocess.Popen([sys.executable, __file__, "--serve", name, str(port), prefix])
        links[name] = WorkerLink(name, process, port)
    placement = Placement(REDIS_URL, prefix)
    viewers: list[PacketViewer] = []
    where: dict[str, str] = {}
    publishers = None
    try:
        for link in links.values():
            await link.open()
        while len(await placement.alive()) < workers:
            await asyncio.sleep(0.2)
        ports = ",".join(f"{name}:{link.port}" for name, link in links.items())
        publishers = subprocess.Popen([sys.executable, __file__, "--publish", prefix, ports])
        while sum(b["stats"]["publications"] for b in (await placement.alive()).values()) < TRACKS_PER_VIEWER:
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)  # the speakers are heard
        results = []
        for target in steps:
            while len(viewers) < target:  # a few at a time: each connects (ICE, DTLS) then counts
                batch = range(len(viewers), min(target, len(viewers) + JOIN_BATCH))
                joined = await asyncio.gather(*(PacketViewer.join(links, placement, f"{100 + n}:viewer")
                                                for n in batch))
                viewers.extend(joined)
                where.update({v.participant.participant_id: v.worker for v in joined})
            deadline = time.monotonic() + 60  # every viewer receives the stage and the 4 speakers
            while not all(v.receiving() for v in viewers):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"viewers short of tracks: {[v.totals() for v in viewers if not v.receiving()]}")
                await asyncio.sleep(0.25)
            await asyncio.sleep(2.0)  # keyframes settled
            per_worker = {name: sum(1 for w in where.values() if w == name) for name in links}
            results.append(await _window(links, viewers, seconds) | {"viewers": target, "viewers_by_worker": per_worker})
        return {"workers": workers, "steps": results}
    finally:
        for viewer in viewers:
            await viewer.participant.close(leave=False)
        if publishers is not None:
            publishers.terminate()
            publishers.wait(10)
        for link in links.values():
            assert link.process is not None
            link.process.terminate()
            link.process.wait(10)
        await placement.close()


async def _window(links: dict[str, WorkerLink], viewers: list[PacketViewer], seconds: float) -> dict[str, Any]:
    async def sent() -> int:  # video frames the publishers' workers received (each publication once)
        return sum([await link.call(op="video_in") for link in links.values()])

    def counted() -> tuple[int, int]:  # (video frames, packets missing): one pass over the viewers
        totals = [v.totals() for v in viewers]
        return (sum(t.get("video_frames", 0) for t in totals),
                sum(t.get("video_missing", 0) + t.get("audio_missing", 0) for t in totals))

    cpu0, t0 = {n: link.cpu_s() for n, link in links.items()}, time.monotonic()
    (got0, missing0), sent0 = counted(), await sent()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    cpu = {n: (link.cpu_s() - cpu0[n]) / elapsed for n, link in links.items()}
    (got, missing), expected = counted(), (await sent() - sent0) * len(viewers)
    got -= got0
    return {"got": got, "expected": expected, "seconds": round(elapsed, 1), "packets_missing": missing - missing0,
            "cpu": {n: round(c, 3) for n, c in cpu.items()}, "loss_pct": round(100 * (1 - got / expected), 2) if expected else None}


class PacketViewer:
    """A plenary viewer connected as a browser is, whose packets are then only counted
    (bench/packet_counter.py): the client costs a few microseconds a packet, not a decoder's."""

    def __init__(self, participant: SyntheticParticipant, worker: str, counter: PacketCounter) -> None:
        self.participant, self.worker, self.counter = participant, worker, counter

    @classmethod
    async def join(cls, links: dict[str, WorkerLink], placement: Any, pid: str) -> PacketViewer:
        participant, worker = await join(links, placement, pid, "participant", {})
        async with asyncio.timeout(30):
            while participant.pc.connectionState != "connected":
                await asyncio.sleep(0.05)
        return cls(participant, worker, count_packets(participant.pc, media_types(participant.pc)))

    def _kinds(self) -> dict[int, str]:
        kinds = media_types(self.participant.pc)  # the server's later offers add m-lines, same codecs
        self.counter.media_types = set(kinds)
        return kinds

    def totals(self) -> dict[str, int]:
        return self.counter.totals(self._kinds())

    def receiving(self) -> bool:
        """Video and audio flowing from the stage (camera, screen) and the 4 speakers."""
        totals = self.totals()
        return totals.get("video_streams", 0) >= VIDEOS_PER_VIEWER and totals.get("audio_streams", 0) >= AUDIOS_PER_VIEWER


def capacity(config: dict[str, Any]) -> float | None:
    """Viewers at which the most loaded worker reaches one core: each worker's CPU fitted
    (least squares over the steps) as fixed + per-viewer cost over the viewers it had, the
    viewers split over the workers as the placement split them at the last step."""
    steps, last = config["steps"], config["steps"][-1]
    bounds = []
    for name, count in last["viewers_by_worker"].items():
        fixed, slope = _fit([(s["viewers_by_worker"][name], s["cpu"][name]) for s in steps])
        share = count / last["viewers"]
        if slope > 0 and share > 0:
            bounds.append((1.0 - fixed) / (slope * share))
    return min(bounds) if len(bounds) == len(last["viewers_by_worker"]) else None  # None: no growth (noise)


def _fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """(intercept, slope) of the least-squares line through ``points`` (viewers, cores)."""
    n = len(points)
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    return mean_y - slope * mean_x, slope


def busiest_ratio(one: dict[str, Any], two: dict[str, Any]) -> float:
    """At the last step (the same viewers in both): the one worker's CPU over the busier of
    the two's. Measured, not fitted, and below the capacity ratio: each worker's fixed part
    (receiving all 11 publications, directly or relayed) is paid twice."""
    return float(one["steps"][-1]["cpu"]["media-a"]) / max(two["steps"][-1]["cpu"].values())


async def figures(steps: list[int], seconds: float) -> dict[str, Any]:
    """Both configurations in one run; the issue's keys (null unless every measured step was
    loss-free: they mean viewers *sustained without loss*) and what they are computed from."""
    restrict_host_addresses(["127.0.0.1"])  # this process's aiortc clients: loopback (process-wide)
    one = await measure(1, steps, seconds)
    print(json.dumps(one), flush=True)
    two = await measure(2, steps, seconds)
    print(json.dumps(two), flush=True)
    v1, v2 = capacity(one), capacity(two)
    loss = max(s["loss_pct"] if s["loss_pct"] is not None else 100.0 for c in (one, two) for s in c["steps"])
    missing = sum(s["packets_missing"] for c in (one, two) for s in c["steps"])
    # Sustained without loss: no viewer missed a packet (by sequence number, exact), and the video
    # frames match those sent within the window's edge (two counters read an RPC apart: ±1 %).
    clean = missing == 0 and loss < WINDOW_EDGE_PCT and v1 is not None and v2 is not None
    return {"viewers_1_worker": round(v1) if clean and v1 else None, "viewers_2_workers": round(v2) if clean and v2 else None,
            "scaling": round(v2 / v1, 2) if clean and v1 and v2 else None,
            "cpu_capacity_1_worker": v1 and round(v1), "cpu_capacity_2_workers": v2 and round(v2),
            "cpu_scaling": round(v2 / v1, 2) if v1 and v2 else None,
            "busiest_worker_ratio": round(busiest_ratio(one, two), 2),
            "loss_pct_max": loss, "packets_missing": missing,
            "measured_viewers": steps, "load_avg_1m": round(os.getloadavg()[0], 1)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, nargs="+", default=STEPS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args()
    print(json.dumps(await figures(args.steps, args.seconds)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        import django
        from django.conf import settings

        if not settings.configured:
            settings.configure()
        django.setup()
        asyncio.run(serve(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    else:
        restrict_host_addresses(["127.0.0.1"])  # the aiortc clients here: loopback only
        if len(sys.argv) > 1 and sys.argv[1] == "--publish":
            asyncio.run(publish(sys.argv[2], {n: int(p) for n, p in (x.split(":") for x in sys.argv[3].split(","))}))
        else:
            asyncio.run(main())
