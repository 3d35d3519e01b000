"""One weak viewer, on a real rate-limited link, must not lose its audio nor hurt anyone.

Publisher (640x360 VP8 at ~500 kbit/s + Opus) and an unconstrained viewer on this
host; the weak viewer's aiortc peer runs in its own network namespace behind a ``tc
tbf`` link (netns.py). What a user would notice is asserted: the weak viewer is told
"video paused" and keeps hearing the tone without gaps; the other viewer's video goes
on; the publisher is not asked for a keyframe storm; when the link recovers, video
comes back by itself.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from signaling.media import MediaServer
from signaling.media.downlink import FIRST_RETRY, MAX_RETRY

from .netns import Link
from .remote import longest_gap, window
from .scene import weak_viewer_room

pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("browser_like_audio")]
TAG = 11


async def wait_for(predicate, timeout: float, step: float = 0.25) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(step)


@pytest.mark.asyncio
async def test_a_viewer_behind_100_kbits_gets_audio_and_a_paused_notice_then_video_back(
    server: MediaServer, link: Link
) -> None:
    async with weak_viewer_room(server, link, TAG) as room:
        strong, weak = room.strong, room.weak
        link.limit(100)
        await weak.start()
        camera = next(p for p in server._peers["presenter"].publications.values() if p.kind == "video")
        requests_before = camera.keyframe_requests

        await wait_for(lambda: weak.paused() is True, timeout=15)  # told: "video paused — weak connection"
        requests_at_pause = camera.keyframe_requests
        microphone = next(p for p in server._peers["presenter"].publications.values() if p.kind == "audio")
        # From 1.5 s after the pause (the link's queue drained) until video is tried again, the
        # weak viewer decodes the audio the server got from the publisher (the box may be busy:
        # compared with what arrived, not with the clock), without an audible gap.
        await asyncio.sleep(1.5)
        start, arrived = time.monotonic(), microphone.frames_in
        await asyncio.sleep(FIRST_RETRY - 2)
        arrived, end = microphone.frames_in - arrived, time.monotonic()
        await asyncio.sleep(0.3)  # what arrived by ``end`` has been decoded
        report = await weak.report()
        audio = [t for t in report["audio_at"] if start <= t <= end + 0.3]
        assert len(audio) >= 0.95 * arrived - 3, f"{len(audio)} of {arrived} audio frames"
        assert longest_gap(audio) < 0.25
        assert report["audio_loud"] > 100  # the tone, not silence
        since = time.monotonic() - 3
        assert await strong.wait_video(TAG, since=since, timeout=3) >= since  # the others' video goes on
        # Joining costs the publisher a keyframe or two (the viewer's sender starts after the
        # first); once paused, the weak viewer costs it none (issue 16: 52-54 in 30 s before).
        assert camera.keyframe_requests - requests_before <= 3
        assert camera.keyframe_requests == requests_at_pause

        link.lift()
        await wait_for(lambda: weak.paused() is False, timeout=MAX_RETRY)  # it comes back by itself
        resumed_at = (await weak.report())["now"]
        # Decoding again within seconds. An aiortc viewer takes a few: its jitter buffer waits
        # for packets lost before the pause until 128 newer ones arrive, then asks for a
        # keyframe (passed on: at most one per 2 s per viewer): ~128 / 50 packets a second + the
        # keyframe's way, longer when the box is busy. Browsers drop such packets at the keyframe.
        async with asyncio.timeout(15):
            while True:
                report = await weak.report()
                if len(window(report["video_at"], report["now"], report["now"] - resumed_at)) >= 30:
                    break
                await asyncio.sleep(0.5)



def layer_of(report: dict, seconds: float) -> tuple[list[int], float]:  # type: ignore[type-arg]
    """The heights of the intact frames of the last ``seconds`` and their rate (frames/s)."""
    recent = [h for t, h in zip(report["video_at"], report["video_h"]) if t >= report["now"] - seconds]
    return recent, len(recent) / seconds


def lost_share(before: dict, after: dict) -> float:  # type: ignore[type-arg]
    lost = after["video_lost"] - before["video_lost"]
    sent = lost + after["video_received"] - before["video_received"]
    return lost / sent if sent else 1.0


@pytest.mark.asyncio
@pytest.mark.usefixtures("browser_like_layers")
async def test_a_viewer_behind_300_kbits_gets_the_low_layer_and_climbs_back_when_lifted(
    server: MediaServer, link: Link
) -> None:
    """The camera in three layers (160x90 / 320x180 / 640x360 at 120 / 350 / 700 kbit/s, 24 fps):
    behind 300 kbit/s the viewer gets the low layer, whole, with its audio; the other viewer
    keeps the high layer, which is asked for no keyframe on the weak one's account; lifted,
    the weak viewer climbs by itself (probing with padding first: no loss on the way)."""
    async with weak_viewer_room(server, link, TAG, layers=True) as room:
        strong, weak = room.strong, room.weak
        camera = next(p for p in server._peers["presenter"].publications.values() if p.kind == "video")
        top = camera.layers[-1]
        microphone = next(p for p in server._peers["presenter"].publications.values() if p.kind == "audio")
        def strong_slot():  # type: ignore[no-untyped-def]
            return next(s.track for s in server.peer("strong").slots if s.track.kind == "video")

        def strong_layer() -> int | None:
            return strong_slot().layer

        def strong_asked() -> int:  # keyframes the strong viewer's own stream asked for (its PLIs, its switches)
            return strong_slot().plis_passed + strong_slot().switches

        await wait_for(lambda: strong_layer() == 2, timeout=45)  # new viewers start low, then climb (probing)
        link.limit(300)
        await weak.start()
        async with asyncio.timeout(15):  # decoding the low layer
            while layer_of(await weak.report(), 1.0)[1] < 15:
                await asyncio.sleep(0.5)

        top_keyframes, strong_frames, asked = top.keyframe_requests, sum(strong.encoded_frames.values()), strong_asked()
        before, arrived, produced = await weak.report(), microphone.frames_in, camera.layers[0].frames_in
        await asyncio.sleep(8)  # probing the middle layer meanwhile (and failing: it does not fit)
        arrived, produced = microphone.frames_in - arrived, camera.layers[0].frames_in - produced
        report = await weak.report()
        heights, fps = layer_of(report, report["now"] - before["now"])
        # 15 fps of the publisher's 24 -- or, on a box too busy to encode 24, 90 % of what it did
        source_fps = produced / (report["now"] - before["now"])
        assert set(heights) == {90} and fps >= min(15, 0.9 * source_fps), (set(heights), fps, source_fps)
        assert lost_share(before, report) < 0.02
        audio = [t for t in report["audio_at"] if before["now"] <= t <= report["now"]]
        assert len(audio) >= 0.95 * arrived - 3, f"{len(audio)} of {arrived} audio frames"  # none lost
        # Decoded without a long stall. On this busy box (load average 7-14 on 2 cores while this
        # was written) the viewer's decoding lags 0.15-0.2 s now and then, probes or not; and when
        # a probe of the middle layer overfills the link before the estimate falls, one lost
        # audio packet stalls an aiortc viewer's 16-packet audio jitter buffer ~0.3 s more (a
        # browser's NetEq conceals 20 ms). Every audio frame arrives (above).
        assert longest_gap(audio) < 0.6
        assert strong_layer() == 2 and sum(strong.encoded_frames.values()) - strong_frames >= 8 * 15
        # The weak viewer costs the high layer nothing: no more keyframes than the other asked for.
        assert top.keyframe_requests - top_keyframes <= strong_asked() - asked
        assert server.peer("weak").slots.feedback.chooser.tries >= 1  # it did try to climb

        link.lift()
        lifted = (await weak.report())["now"]
        async with asyncio.timeout(10):  # climbs back by itself
            while not [h for t, h in zip(report["video_at"], report["video_h"]) if t > lifted and h > 90]:
                await asyncio.sleep(0.25)
                report = await weak.report()
