"""A subscriber's video paused for a weak downlink comes back decodable (real aiortc peers)."""

from __future__ import annotations

import asyncio
import time

import pytest

from signaling.media import MediaServer

from .conftest import ParticipantFactory
from .synthetic import PatternVideoTrack, ToneAudioTrack

pytestmark = pytest.mark.timeout(60)
TAG = 21


@pytest.mark.asyncio
async def test_paused_video_resumes_at_a_keyframe_on_the_same_stream(server: MediaServer, participants: ParticipantFactory) -> None:
    a, b = participants("A"), participants("B")
    a.publish("camera", PatternVideoTrack(TAG, fps=30))
    a.publish("microphone", ToneAudioTrack())
    await a.join("room")
    await b.join("room")
    await b.wait_video(TAG, timeout=10)
    feedback = server._peers["B"].slots.feedback
    slot = next(s.track for s in server._peers["B"].slots if s.track.kind == "video")
    while slot.source is None or slot.source.bitrate() <= 0:  # the gate judges against it
        await asyncio.sleep(0.1)
    feedback.gate._set(time.monotonic(), True)  # as the gate decides on congestion (test_downlink)
    slot.pause()
    await asyncio.sleep(0.5)  # frames already in flight land
    seen = b.video[TAG].count
    await asyncio.sleep(0.7)
    assert b.video[TAG].count == seen  # nothing while paused
    slot.resume()
    resumed = time.monotonic()
    await b.wait_video(TAG, since=resumed, timeout=5)
    await asyncio.sleep(0.5)
    assert b.video[TAG].count - seen >= 8  # decoding again, from the keyframe on
