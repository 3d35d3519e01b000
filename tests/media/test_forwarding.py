"""Fan-out logic: keyframe gating, PLI throttling, timestamp rebasing, backlog."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from signaling.media.forwarding import KEYFRAME_INTERVAL, MAX_QUEUED, Publication, SlotTrack
from signaling.media.passthrough import EncodedFrame

pytestmark = pytest.mark.timeout(60)


def frame(ts: int, key: bool = False) -> EncodedFrame:
    return EncodedFrame(b"x", ts, key, 90000, 0.0)


def publication(plis: list[int], pub_id: str = "a/0") -> Publication:
    return Publication(pub_id, "a", "video", "camera", "0", send_pli=lambda: plis.append(1))


@pytest.mark.asyncio
async def test_new_subscriber_waits_for_a_keyframe_and_asks_for_one() -> None:
    plis: list[int] = []
    pub, slot = publication(plis), SlotTrack("video")
    slot.attach(pub)
    assert plis == [1]  # joining asks the publisher for a keyframe at once
    pub.deliver(frame(0))  # delta: useless before a keyframe
    pub.deliver(frame(3000, key=True))
    pub.deliver(frame(6000))
    assert [(await slot.recv()).frame.timestamp for _ in range(2)] == [3000, 6000]
    assert slot.dropped == 1
    pub.close()


@pytest.mark.asyncio
async def test_keyframe_requests_are_throttled_with_a_trailing_request() -> None:
    plis: list[int] = []
    pub = publication(plis)
    pub.request_keyframe()
    pub.deliver(frame(0, key=True))  # answered: the next request is a new need
    for _ in range(5):
        pub.request_keyframe()
        await asyncio.sleep(0.02)
    assert plis == [1]
    await asyncio.sleep(KEYFRAME_INTERVAL)
    assert plis == [1, 1]  # the burst collapsed into one more, at the window end
    pub.close()


@pytest.mark.asyncio
async def test_requests_while_a_keyframe_is_on_its_way_are_redundant() -> None:
    plis: list[int] = []
    pub = publication(plis)
    pub.request_keyframe()
    for _ in range(5):  # e.g. deltas dropped by subscribers waiting for it
        pub.request_keyframe()
    await asyncio.sleep(KEYFRAME_INTERVAL + 0.05)
    assert plis == [1]  # no trailing request: the keyframe serves everyone
    pub.request_keyframe()  # but a keyframe that never came is asked for again
    assert plis == [1, 1]
    pub.close()


@pytest.mark.asyncio
async def test_closing_cancels_a_pending_keyframe_request() -> None:
    plis: list[int] = []
    pub = publication(plis)
    pub.request_keyframe()
    pub.deliver(frame(0, key=True))
    pub.request_keyframe()  # inside the window: scheduled for its end
    pub.close()
    await asyncio.sleep(KEYFRAME_INTERVAL + 0.05)
    assert plis == [1]


@pytest.mark.asyncio
async def test_timestamps_stay_continuous_across_a_source_switch() -> None:
    first, second = publication([], "a/0"), publication([], "b/0")
    slot = SlotTrack("video")
    slot.attach(first)
    first.deliver(frame(100, key=True))
    first.deliver(frame(3100))
    assert [(await slot.recv()).timestamp for _ in range(2)] == [0, 3000]
    slot.attach(second)
    assert slot.source is second and not first.subscribers
    second.deliver(frame(900_000, key=True))
    second.deliver(frame(903_000))
    assert [(await slot.recv()).timestamp for _ in range(2)] == [6000, 9000]


@pytest.mark.asyncio
async def test_backlog_is_bounded_and_resyncs_on_a_keyframe() -> None:
    plis: list[int] = []
    pub, slot = publication(plis), SlotTrack("video")
    slot.attach(pub)
    pub.deliver(frame(0, key=True))
    for i in range(1, 3 * MAX_QUEUED["video"]):
        pub.deliver(frame(i * 3000))
    assert len(slot._frames) <= MAX_QUEUED["video"]
    assert slot.dropped > 0
    pub.deliver(frame(999_000, key=True))
    assert (await slot.recv()).frame.keyframe  # stale deltas were discarded
    pub.close()


@pytest.mark.asyncio
async def test_audio_backlog_drops_oldest_without_gating() -> None:
    pub = Publication("a/1", "a", "audio", "microphone", "1", send_pli=lambda: None)
    slot = SlotTrack("audio")
    slot.attach(pub)
    for i in range(MAX_QUEUED["audio"] + 5):
        pub.deliver(EncodedFrame(b"o", i * 960, True, 48000, 0.0))
    assert 0 < len(slot._frames) <= MAX_QUEUED["audio"]


@pytest.mark.asyncio
async def test_stopped_slot_ends_the_sender_loop() -> None:
    slot = SlotTrack("video")
    waiter = asyncio.ensure_future(slot.recv())
    await asyncio.sleep(0)
    slot.stop()
    with pytest.raises(MediaStreamError):
        await waiter
