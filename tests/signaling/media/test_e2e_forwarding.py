"""Real WebRTC through the MediaServer: rooms, moves, audio, metadata."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from signaling.media import MediaServer

from .conftest import ParticipantFactory
from .synthetic import PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

TAG_A, TAG_C = 11, 33


async def counter_advances(p: SyntheticParticipant, tag: int, wait: float = 0.5) -> bool:
    before = p.video[tag].last_counter
    await asyncio.sleep(wait)
    return p.video[tag].last_counter > before


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_room_forwarding_audio_metadata_and_move(server: MediaServer, participants: ParticipantFactory) -> None:
    a = participants("A")
    a.publish("camera", PatternVideoTrack(TAG_A))
    a.publish("microphone", ToneAudioTrack(440.0))
    b, c, d = participants("B"), participants("C"), participants("D")
    c.publish("camera", PatternVideoTrack(TAG_C))
    await a.join("room-1")
    started = time.monotonic()
    await b.join("room-1")
    join_to_video = await b.wait_video(TAG_A, timeout=5, since=started) - started
    await c.join("room-2")
    await d.join("room-2")
    await d.wait_video(TAG_C, timeout=5)

    # B decodes A's pattern with an advancing frame counter ...
    assert await counter_advances(b, TAG_A)
    assert b.video[TAG_A].mids == set(b.mids_of("A", "camera"))
    # ... hears A's 440 Hz tone on the mid labelled as A's microphone ...
    (mic_mid,) = b.mids_of("A", "microphone")
    async with asyncio.timeout(5):
        while len(b.audio.get(mic_mid, ())) < 25:  # ~0.5 s of audio decoded
            await asyncio.sleep(0.05)
    rms, freq = b.audio_spectrum(mic_mid)
    assert rms > 0.05 and abs(freq - 440.0) < 20, (rms, freq)
    # ... and C, in another space, receives nothing from A.
    assert TAG_A not in c.video and not c.mids_of("A", "camera")
    assert all(info.participant_id != "A" for info in server.peer("C").track_infos())

    pc_before = server.peer("C").pc
    moved = time.monotonic()
    await server.move("C", "room-1")
    move_to_video = await c.wait_video(TAG_A, timeout=5, since=moved) - moved
    print(f"\nnew subscriber first frame {join_to_video * 1000:.0f} ms, move to first frame {move_to_video * 1000:.0f} ms")
    assert join_to_video < 3.0 and move_to_video < 3.0  # issue target: < 1 s (CI margin)
    assert server.peer("C").pc is pc_before and c.pc.connectionState == "connected"
    assert any(s.kind == "offer" and s.space_id == "room-1" for s in c.signals)  # renegotiated

    # Others in both spaces follow: B now gets C's camera, D no longer does.
    await b.wait_video(TAG_C, timeout=5, since=moved)
    async with asyncio.timeout(5):
        while d.mids_of("C", "camera"):
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # let a frame already in flight land
    last = d.video[TAG_C].last_at
    await asyncio.sleep(0.5)
    assert d.video[TAG_C].last_at == last
    stats = server.stats()
    assert stats["space_members"] == {"room-1": 3, "room-2": 1}
    assert stats["forwarded_packets"] > 0 and stats["forward_latency_ms"]["p99"] < 50


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_candidates_are_loopback_only(server: MediaServer, participants: ParticipantFactory) -> None:
    a = participants("A")
    a.publish("camera", PatternVideoTrack(TAG_A))
    await a.join("room-1")
    answer = a.pc.remoteDescription.sdp
    addresses = set(re.findall(r"a=candidate:\S+ \d+ udp \d+ (\S+) ", answer))
    assert addresses == {"127.0.0.1"}


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_screen_share_added_later_is_labelled(server: MediaServer, participants: ParticipantFactory) -> None:
    a, b = participants("A"), participants("B")
    a.publish("camera", PatternVideoTrack(TAG_A))
    await a.join("room-1")
    await b.join("room-1")
    await b.wait_video(TAG_A, timeout=5)
    async with asyncio.timeout(5):  # wait for the pc to be idle before a client offer
        while server.peer("A").pc.signalingState != "stable":
            await asyncio.sleep(0.02)
    a.publish("screen", PatternVideoTrack(TAG_A + 1))
    await a.renegotiate()
    await b.wait_video(TAG_A + 1, timeout=5)
    assert b.video[TAG_A + 1].mids == set(b.mids_of("A", "screen"))
