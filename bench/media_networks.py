"""Benchmark: one weak viewer on a real rate-limited link (issue 16). Not a test.

A publisher (640x360 VP8 at ~500 kbit/s + Opus at a browser's 32 kbit/s) and an
unconstrained viewer on this host; the weak viewer's aiortc peer in a network namespace
behind ``tc tbf`` (tests/signaling/media/networks/netns.py; root, ``ip`` and ``tc`` needed). Two
runs of ``--seconds`` at ``--rate`` kbit/s in the same process: the server as built
(weak-viewer protection) and a baseline with it switched off (no pause, no resend budget,
keyframe requests throttled as before: 0.5 s per publication, every subscriber PLI passed).
Then, with protection, the limit is lifted and the time until the weak viewer decodes
intact video again is measured.

    .venv/bin/python bench/media_networks.py [--rate 300] [--seconds 15]

Last stdout line: one JSON object with issue 16's keys. Measured: ``constrained_fps``
(intact frames/s the weak viewer decoded over the run), ``pause_loss_pct`` (video
packets sent to it and lost, from its receiver reports; ``constrained_loss_pct`` is the layered run's), ``unconstrained_height``,
``downswitch_s`` (limit on -> video paused), ``upswitch_s`` (limit lifted -> intact video
again), ``audio_gap_ms_max`` (weak viewer, from 1.5 s after the pause to the end of the
run); ``keyframes_per_30s`` / ``resends_per_s`` with and without protection and their
ratios. With simulcast (``layered``: the camera in three layers, 160x90/320x180/640x360 at
120/350/700 kbit/s, 24 fps): ``constrained_fps`` / ``constrained_height`` (what the weak viewer
decodes behind ``--rate`` for ``--seconds``), ``unconstrained_height`` (the other viewer, decoded),
``audio_gap_ms_max`` (the weak viewer's longest gap between decoded audio frames in that
window), ``layered_loss_pct`` (video packets sent to it and lost, its own counters),
``upswitch_s`` (limit lifted -> it decodes a higher layer), ``downswitch_s`` (another room: a
viewer on the top layer is limited -> the server has switched it to the lowest); the
single-layer run's figures (pause instead of layers) as ``pause_*``; ``lossy_fps_ratio`` (another viewer, link unshaped, through a relay losing 5 % of
the media packets both ways: intact frames decoded / frames sent, with NACK/RTX and, as
``baseline_lossy_fps_ratio``, with NACKs unanswered). ``viewers_1_worker``, ``viewers_2_workers``, ``scaling``: bench/plenary_workers.py (the plenary
on 1 and on 2 media workers, cascading), run here too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc.codecs import opus  # noqa: E402

from signaling.media import MediaServer, downlink, forwarding  # noqa: E402
from bench import plenary_workers  # noqa: E402
from tests.signaling.media.networks import netns  # noqa: E402
from tests.signaling.media.networks.lossy_relay import Impairment  # noqa: E402
from tests.signaling.media.networks.lossy_scene import lossy_room  # noqa: E402
from tests.signaling.media.networks.remote import longest_gap, window  # noqa: E402
from tests.signaling.media.networks import scene  # noqa: E402
from tests.signaling.media.networks.scene import weak_viewer_room  # noqa: E402
from tests.signaling.media.synthetic import cap_layer_bitrates  # noqa: E402

TAG = 11
_opus_init = opus.OpusEncoder.__init__


def _browser_opus(self: opus.OpusEncoder) -> None:
    _opus_init(self)
    self.codec.bit_rate = 32_000


def unprotected() -> list[tuple[Any, str, Any]]:
    """Switch the weak-viewer protection off (returns what to restore)."""
    saved = [
        (downlink.VideoGate, "judge", downlink.VideoGate.judge),
        (downlink.RetransmitBudget, "allow", downlink.RetransmitBudget.allow),
        (forwarding, "KEYFRAME_INTERVAL", forwarding.KEYFRAME_INTERVAL),
        (forwarding, "SUBSCRIBER_PLI_INTERVAL", forwarding.SUBSCRIBER_PLI_INTERVAL),
    ]
    downlink.VideoGate.judge = lambda self, *a, **k: downlink.Verdict(False, False)  # type: ignore[method-assign]
    downlink.RetransmitBudget.allow = lambda self, *a, **k: True  # type: ignore[method-assign]
    forwarding.KEYFRAME_INTERVAL, forwarding.SUBSCRIBER_PLI_INTERVAL = 0.5, 0.0
    return saved


def restore(saved: list[tuple[Any, str, Any]]) -> None:
    for owner, name, value in saved:
        setattr(owner, name, value)


async def run(rate: int, seconds: float, protected: bool) -> dict[str, Any]:
    with netns.shaped_link() as link:
        network = link.host_ip.rsplit(".", 1)[0] + ".0/30"
        server = MediaServer(host_addresses=[link.host_ip], peer_networks=[network])
        result: dict[str, Any] = {}
        try:
            async with weak_viewer_room(server, link, TAG) as room:
                strong, weak = room.strong, room.weak
                link.limit(rate)
                limited_at = time.monotonic()
                await weak.start()
                camera = next(p for p in server._peers["presenter"].publications.values() if p.kind == "video")
                keyframes_before = camera.keyframe_requests
                strong_before = strong.video[TAG].count
                paused_at = None
                end = limited_at + seconds
                while time.monotonic() < end:
                    if paused_at is None and weak.paused():
                        paused_at = time.monotonic()
                    await asyncio.sleep(0.1)
                report = await weak.report()
                fast = next(s.track.sink for s in server._peers["weak"].slots if s.track.kind == "video")
                elapsed = time.monotonic() - limited_at
                result.update(
                    constrained_fps=len(window(report["video_at"], report["now"], elapsed)) / elapsed,
                    keyframes_per_30s=(camera.keyframe_requests - keyframes_before) * 30 / elapsed,
                    resends_per_s=getattr(fast, "retransmissions", 0) / elapsed,
                    strong_fps=(strong.video[TAG].count - strong_before) / elapsed,
                    downswitch_s=None if paused_at is None else paused_at - limited_at,
                )
                result["loss_pct"] = await video_loss_pct(server, "weak")
                if paused_at is not None:
                    audio = [t for t in report["audio_at"] if t >= paused_at + 1.5]
                    result["audio_gap_ms_max"] = 1000 * longest_gap(audio) if len(audio) > 1 else None
                if protected:
                    link.lift()
                    lifted = (await weak.report())["now"]
                    upswitch = None
                    async with asyncio.timeout(40):
                        while upswitch is None:
                            report = await weak.report()
                            recent = window(report["video_at"], report["now"], report["now"] - lifted)
                            if len(recent) >= 15:
                                upswitch = recent[0] - lifted
                            await asyncio.sleep(0.25)
                    result["upswitch_s"] = upswitch
        finally:
            await server.close()
        return result


async def layered(rate: int, seconds: float) -> dict[str, Any]:
    """The camera in simulcast layers (scene.LAYERS at browser bitrates): the weak viewer behind
    ``rate`` from the start (what it decodes for ``seconds``, then the limit lifted: seconds
    until it decodes a higher layer); then, in a second room, a weak viewer that reached the top
    layer unshaped is limited: seconds until the server switched it to the lowest."""
    undo = cap_layer_bitrates()
    try:
        result = await _layered_steady(rate, seconds)
        result["downswitch_s"] = await _layered_down(rate)
    finally:
        undo()
    return result


async def _layered_steady(rate: int, seconds: float) -> dict[str, Any]:
    with netns.shaped_link() as link:
        server = MediaServer(host_addresses=[link.host_ip], peer_networks=[link.host_ip + "/30"])
        try:
            async with weak_viewer_room(server, link, TAG, layers=True) as room:
                await _until(lambda: _layer(server, "strong") == 2, 60)
                link.limit(rate)
                await room.weak.start()
                await _until_decoding(room.weak, 30)
                before = await room.weak.report()
                await asyncio.sleep(seconds)
                report = await room.weak.report()
                span = report["now"] - before["now"]
                heights = [h for t, h in zip(report["video_at"], report["video_h"]) if t >= before["now"]]
                audio = [t for t in report["audio_at"] if t >= before["now"]]
                lost = report["video_lost"] - before["video_lost"]
                sent = lost + report["video_received"] - before["video_received"]
                result: dict[str, Any] = {
                    "constrained_fps": len(heights) / span,
                    "constrained_height": max(set(heights), key=heights.count) if heights else None,
                    "unconstrained_height": scene.LAYERS[_layer(server, "strong") or 0][1],
                    "audio_gap_ms_max": 1000 * longest_gap(audio),
                    "layered_loss_pct": 100 * lost / sent if sent else None,
                    "probes": server.peer("weak").slots.feedback.chooser.tries,
                }
                link.lift()
                lifted = (await room.weak.report())["now"]
                async with asyncio.timeout(40):
                    while "upswitch_s" not in result:
                        report = await room.weak.report()
                        higher = [t for t, h in zip(report["video_at"], report["video_h"]) if t > lifted and h > 90]
                        if higher:
                            result["upswitch_s"] = higher[0] - lifted
                        await asyncio.sleep(0.25)
        finally:
            await server.close()
    return result


async def _layered_down(rate: int) -> float:
    with netns.shaped_link() as link:
        server = MediaServer(host_addresses=[link.host_ip], peer_networks=[link.host_ip + "/30"])
        try:
            async with weak_viewer_room(server, link, TAG, layers=True) as room:
                await room.weak.start()
                await _until(lambda: _layer(server, "weak") == 2, 60)
                await asyncio.sleep(2)
                link.limit(rate)
                limited = time.monotonic()
                await _until(lambda: _layer(server, "weak") == 0, 30)
                return time.monotonic() - limited
        finally:
            await server.close()


def _layer(server: MediaServer, participant_id: str) -> int | None:
    peer = server._peers.get(participant_id)
    video = [s.track for s in peer.slots if s.track.kind == "video"] if peer is not None else []
    return video[0].layer if video and video[0].target is None else None


async def _until(predicate: Any, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.1)


async def _until_decoding(weak: Any, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while len(window((report := await weak.report())["video_at"], report["now"], 1.0)) < 10:
            await asyncio.sleep(0.25)


async def video_loss_pct(server: MediaServer, participant_id: str) -> float | None:
    """Video packets sent to ``participant_id`` and lost (before resends), from its receiver reports."""
    sent = lost = 0
    for slot in server._peers[participant_id].slots:
        if slot.track.kind == "video":
            for stats in (await slot.transceiver.sender.getStats()).values():
                sent += getattr(stats, "packetsSent", 0) if stats.type == "outbound-rtp" else 0
                lost += getattr(stats, "packetsLost", 0) if stats.type == "remote-inbound-rtp" else 0
    return 100 * lost / sent if sent else None


async def lossy_fps_ratio(seconds: float, resend: bool) -> float | None:
    """Intact frames a viewer decoded / frames the publisher sent, through 5 % random loss both
    ways (tests/signaling/media/networks/lossy_relay.py); ``resend=False``: NACKs never answered."""
    allow = downlink.RetransmitBudget.allow
    if not resend:
        downlink.RetransmitBudget.allow = lambda self, *a, **k: False  # type: ignore[method-assign]
    try:
        with netns.shaped_link() as link:
            server = MediaServer(host_addresses=[link.host_ip], peer_networks=[link.host_ip + "/30"])
            try:
                loss = Impairment(loss=0.05, delay=0.01)
                async with lossy_room(server, link, down=loss, up=loss) as room:
                    await asyncio.sleep(1)
                    seen = await room.watch(seconds)
            finally:
                await server.close()
    except TimeoutError:  # the viewer never decoded (a starved box): say so, run the rest
        print("lossy run: the viewer decoded no video in time", file=sys.stderr)
        return None
    finally:
        downlink.RetransmitBudget.allow = allow  # type: ignore[method-assign]
    return seen.intact / seen.sent if seen.sent else None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=300, help="the weak viewer's downlink, kbit/s")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    if not netns.available():
        sys.exit("needs root with ip and tc")
    opus.OpusEncoder.__init__ = _browser_opus  # type: ignore[method-assign]
    saved = unprotected()
    try:
        baseline = await run(args.rate, args.seconds, protected=False)
    finally:
        restore(saved)
    print(json.dumps({"baseline": baseline}), flush=True)
    built = await run(args.rate, args.seconds, protected=True)
    print(json.dumps({"protected": built}), flush=True)

    lossy_baseline = await lossy_fps_ratio(args.seconds, resend=False)
    lossy = await lossy_fps_ratio(args.seconds, resend=True)
    print(json.dumps({"lossy_fps_ratio": lossy, "baseline_no_resend": lossy_baseline}), flush=True)

    layers = await layered(args.rate, args.seconds)
    print(json.dumps({"layered": layers}), flush=True)

    plenary = await plenary_workers.figures(plenary_workers.STEPS, plenary_workers.SECONDS)
    print(json.dumps({"plenary_workers": plenary}), flush=True)

    def ratio(key: str) -> float | None:
        return round(built[key] / baseline[key], 3) if baseline.get(key) else None

    print(json.dumps({
        "constrained_fps": round(layers["constrained_fps"], 1),
        # The weak viewer's video loss on the layers it is given (as constrained_fps); the
        # single-layer run's, from its receiver reports, as pause_loss_pct.
        "constrained_loss_pct": layers["layered_loss_pct"] and round(layers["layered_loss_pct"], 2),
        "pause_loss_pct": built["loss_pct"] and round(built["loss_pct"], 2),
        "constrained_height": layers["constrained_height"],
        "unconstrained_height": layers["unconstrained_height"],
        "downswitch_s": round(layers["downswitch_s"], 2),
        "upswitch_s": round(layers["upswitch_s"], 2),
        "audio_gap_ms_max": round(layers["audio_gap_ms_max"], 1),
        "layered_loss_pct": layers["layered_loss_pct"] and round(layers["layered_loss_pct"], 2),
        "pause_constrained_fps": round(built["constrained_fps"], 1),
        "pause_downswitch_s": built["downswitch_s"] and round(built["downswitch_s"], 2),
        "pause_upswitch_s": built.get("upswitch_s") and round(built["upswitch_s"], 2),
        "pause_audio_gap_ms_max": built.get("audio_gap_ms_max") and round(built["audio_gap_ms_max"], 1),
        # The plenary on 1 vs 2 media workers (bench/plenary_workers.py, same run): null
        # unless every measured step was loss-free; its cpu_* keys say what the CPU allows.
        **{key: plenary.get(key) for key in ("viewers_1_worker", "viewers_2_workers", "scaling",
                                             "cpu_capacity_1_worker", "cpu_capacity_2_workers", "cpu_scaling",
                                             "busiest_worker_ratio")},
        "keyframes_per_30s": round(built["keyframes_per_30s"], 1),
        "baseline_keyframes_per_30s": round(baseline["keyframes_per_30s"], 1),
        "keyframe_ratio": ratio("keyframes_per_30s"),
        "resends_per_s": round(built["resends_per_s"], 1),
        "baseline_resends_per_s": round(baseline["resends_per_s"], 1),
        "resend_ratio": ratio("resends_per_s"),
        "strong_fps": round(built["strong_fps"], 1),
        "baseline_strong_fps": round(baseline["strong_fps"], 1),
        "rate_kbit": args.rate,
        "lossy_fps_ratio": lossy and round(lossy, 3),
        "baseline_lossy_fps_ratio": lossy_baseline and round(lossy_baseline, 3),
    }))


if __name__ == "__main__":
    asyncio.run(main())
