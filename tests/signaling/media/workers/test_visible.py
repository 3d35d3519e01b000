"""Visible-only video over the real websocket: a tile off screen (``media.visible``) gets no
video, and gets it again, from a keyframe, when it is back on screen."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.signaling.media.synthetic import PatternVideoTrack, ToneAudioTrack

from .conftest import MakePerson, MediaSite, close_rooms, move, open_rooms

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]
TAG = 47


async def test_video_off_screen_stops_and_comes_back_audio_never_stops(media_site: MediaSite, people: MakePerson) -> None:
    moderator = await people("moderator")
    a, b = await people(), await people()
    rooms = await open_rooms(moderator.ws, media_site.session_id)
    try:
        for person in (a, b):
            await move(moderator.ws, person, rooms[0])
        a.media.publish("camera", PatternVideoTrack(TAG, fps=30))
        a.media.publish("microphone", ToneAudioTrack(440.0))
        for person in (a, b):
            await person.media.join("ignored: the connection's space")
        await b.media.wait_video(TAG, timeout=10)
        (camera,) = b.media.mids_of(a.tag, "camera")
        (microphone,) = b.media.mids_of(a.tag, "microphone")

        reply = await b.ws.request("media.visible", hidden=[camera])
        assert reply["type"] == "ack"
        await asyncio.sleep(0.5)  # frames already in flight land
        seen, audio = b.media.video[TAG].count, len(b.media.audio.get(microphone, ()))
        await asyncio.sleep(1.0)
        assert b.media.video[TAG].count == seen  # nothing on the hidden tile
        assert b.media.audio_spectrum(microphone)[0] > 0.05 and audio > 0  # still hears A

        back = time.monotonic()
        await b.ws.request("media.visible", hidden=[])
        shown = await b.media.wait_video(TAG, timeout=5, since=back) - back
        print(f"\nback on screen -> first decoded frame: {shown * 1000:.0f} ms")
        refused = await b.ws.request("media.visible", hidden=["x" * 40])
        assert refused["type"] == "error"  # a mid longer than any m-line's: refused, nothing else changes
    finally:
        await close_rooms(moderator.ws)
