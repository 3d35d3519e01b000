"""Fan-out logic: keyframe gating, PLI throttling, timestamp rebasing, backlog."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from signaling.media.forwarding import KEYFRAME_INTERVAL, SUBSCRIBER_PLI_INTERVAL, Publication, SlotTrack, StreamState
from signaling.media.passthrough import EncodedFrame

pytestmark = pytest.mark.timeout(60)


class FakeSink:
    """Stands in for the adapter's FastSender: records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[EncodedFrame, int]] = []
        self.backlogged = False
        self.closed = False

    def send(self, frame: EncodedFrame, timestamp: int) -> bool:
        if self.backlogged:
            return False
        self.sent.append((frame, timestamp))
        return True

    def close(self) -> None:
        self.closed = True

    def timestamps(self) -> list[int]:
        return [ts for _, ts in self.sent]


def slot_with_sink(kind: str = "video") -> tuple[SlotTrack, FakeSink]:
    slot, sink = SlotTrack(kind), FakeSink()
    slot.sink = sink
    return slot, sink


def frame(ts: int, key: bool = False) -> EncodedFrame:
    return EncodedFrame(b"x", ts, key, 90000, 0.0)


def publication(plis: list[int], pub_id: str = "a/0") -> Publication:
    return Publication(pub_id, "a", "video", "camera", "0", send_pli=lambda: plis.append(1))


@pytest.mark.asyncio
async def test_new_subscriber_waits_for_a_keyframe_and_asks_for_one() -> None:
    plis: list[int] = []
    pub = publication(plis)
    slot, sink = slot_with_sink()
    slot.attach(pub)
    assert plis == [1]  # joining asks the publisher for a keyframe at once
    pub.deliver(frame(0))  # delta: useless before a keyframe
    pub.deliver(frame(3000, key=True))
    pub.deliver(frame(6000))
    assert [f.timestamp for f, _ in sink.sent] == [3000, 6000]  # sent synchronously
    assert slot.dropped == 1
    pub.close()


@pytest.mark.asyncio
async def test_frames_before_the_sender_starts_are_dropped_and_gate_on_a_keyframe() -> None:
    pub, slot = publication([]), SlotTrack("video")
    slot.attach(pub)
    pub.deliver(frame(0, key=True))  # no sink yet: aiortc has not started the sender
    sink = FakeSink()
    slot.sink = sink
    pub.deliver(frame(3000))  # a delta after a keyframe the subscriber never got
    pub.deliver(frame(6000, key=True))
    assert [f.timestamp for f, _ in sink.sent] == [6000] and slot.dropped == 2


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
    slot, sink = slot_with_sink()
    slot.attach(first)
    first.deliver(frame(100, key=True))
    first.deliver(frame(3100))
    assert sink.timestamps() == [0, 3000]
    slot.attach(second)
    assert slot.source is second and not first.subscribers
    second.deliver(frame(903_000))  # not a keyframe: the switch waits for one
    second.deliver(frame(906_000, key=True))
    second.deliver(frame(909_000))
    assert sink.timestamps() == [0, 3000, 6000, 9000]


@pytest.mark.asyncio
async def test_a_backlogged_subscriber_drops_and_resyncs_on_a_keyframe() -> None:
    plis: list[int] = []
    pub = publication(plis)
    slot, sink = slot_with_sink()
    slot.attach(pub)
    pub.deliver(frame(0, key=True))
    sink.backlogged = True  # its socket stopped draining
    pub.deliver(frame(3000))
    sink.backlogged = False
    pub.deliver(frame(6000))  # references the lost frame: not sent
    assert sink.timestamps() == [0] and slot.dropped == 2
    await asyncio.sleep(KEYFRAME_INTERVAL + 0.05)
    assert len(plis) == 2  # the slot asked for a keyframe to resync
    pub.deliver(frame(9000, key=True))
    pub.deliver(frame(12000))
    assert sink.timestamps() == [0, 9000, 12000]
    pub.close()


@pytest.mark.asyncio
async def test_a_backlogged_audio_subscriber_only_loses_frames() -> None:
    pub = Publication("a/1", "a", "audio", "microphone", "1", send_pli=lambda: None)
    slot, sink = slot_with_sink("audio")
    slot.attach(pub)
    for i in range(6):
        sink.backlogged = i in (2, 3)
        pub.deliver(EncodedFrame(b"o", i * 960, True, 48000, 0.0))
    assert sink.timestamps() == [0, 960, 4 * 960, 5 * 960] and slot.dropped == 2


@pytest.mark.asyncio
async def test_stopped_slot_ends_the_sender_loop() -> None:
    slot, sink = slot_with_sink()
    waiter = asyncio.ensure_future(slot.recv())  # what aiortc's RTP loop awaits
    await asyncio.sleep(0.05)
    assert not waiter.done()  # parked: frames never go through it
    slot.stop()
    assert slot.sink is None and sink.closed  # what it held (a socket duplicate) is released
    with pytest.raises(MediaStreamError):
        await waiter


@pytest.mark.asyncio
async def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    class BrokenSink(FakeSink):
        def send(self, frame: EncodedFrame, timestamp: int) -> bool:
            raise RuntimeError("srtp failure")

    pub = publication([])
    broken, good = SlotTrack("video"), SlotTrack("video")
    broken.sink, good.sink = BrokenSink(), FakeSink()
    broken.attach(pub)
    good.attach(pub)
    pub.deliver(frame(0, key=True))  # must not raise into the publisher's receiver
    pub.deliver(frame(3000))
    assert broken.sink is None and good.sink.timestamps() == [0, 3000]  # type: ignore[union-attr]
    pub.close()


@pytest.mark.asyncio
async def test_a_paused_subscriber_gets_no_video_and_resumes_at_a_keyframe_without_a_timestamp_reset() -> None:
    plis: list[int] = []
    pub = publication(plis)
    slot, sink = slot_with_sink()
    slot.attach(pub)
    pub.deliver(frame(0, key=True))
    slot.pause()
    assert slot.state is StreamState.PAUSED
    pub.deliver(frame(3000, key=True))  # not even keyframes go to a paused subscriber
    slot.on_subscriber_pli()  # nor do its keyframe requests reach the publisher
    await asyncio.sleep(KEYFRAME_INTERVAL + 0.05)
    assert sink.timestamps() == [0] and plis == [1]
    other = publication(plis, "b/0")
    slot.attach(other)  # a move keeps the pause (the subscriber's link has not changed)
    assert slot.state is StreamState.PAUSED and len(plis) == 1
    slot.attach(pub)
    slot.resume()
    assert slot.state is StreamState.AWAITING_KEYFRAME and len(plis) == 2  # asked for one
    pub.deliver(frame(9000))
    pub.deliver(frame(12000, key=True))
    assert slot.state is StreamState.FORWARDING
    assert sink.timestamps()[1] > sink.timestamps()[0]  # continuous, never back to an earlier value
    pub.close()
    other.close()


@pytest.mark.asyncio
async def test_a_subscribers_keyframe_requests_are_passed_on_at_most_once_per_interval() -> None:
    plis: list[int] = []
    now = [100.0]
    pub = Publication("a/0", "a", "video", "camera", "0", send_pli=lambda: plis.append(1), clock=lambda: now[0])
    slot = SlotTrack("video", clock=lambda: now[0])
    slot.sink = FakeSink()
    slot.attach(pub)
    pub.deliver(frame(0, key=True))
    for step in range(40):  # a weak viewer: a PLI every 100 ms for 4 s
        now[0] += 0.1
        slot.on_subscriber_pli()
        pub.deliver(frame(3000 * (step + 1), key=False))
    assert slot.plis_received == 40
    assert slot.plis_passed <= 4 / SUBSCRIBER_PLI_INTERVAL + 1
    assert len(plis) <= 1 + slot.plis_passed
    pub.close()


def test_one_owner_state_changes_leave_the_lane_and_count() -> None:
    pub = publication([])
    slot, _ = slot_with_sink("audio")
    assert slot.state is StreamState.IDLE
    slot.attach(pub)
    assert slot.state is StreamState.FORWARDING  # audio needs no keyframe
    slot.pause()
    assert slot.state is StreamState.FORWARDING  # audio is never paused
    slot.detach()
    assert slot.state is StreamState.IDLE and slot.transitions == 2


@pytest.mark.asyncio
async def test_off_screen_and_weak_are_separate_reasons_and_a_new_source_is_on_screen() -> None:
    plis: list[int] = []
    pub, other = publication(plis), publication(plis, "b/0")
    slot, sink = slot_with_sink()
    slot.attach(pub)
    pub.deliver(frame(0, key=True))
    slot.pause("hidden")
    slot.pause("weak")
    slot.resume("hidden")  # back on screen, but the link still cannot carry it
    assert slot.state is StreamState.PAUSED and slot.holds == {"weak"}
    slot.pause("hidden")
    slot.attach(other)  # someone else's video on this m-line: on screen until the client says
    assert slot.holds == {"weak"} and slot.state is StreamState.PAUSED
    slot.resume("weak")
    assert slot.state is StreamState.AWAITING_KEYFRAME
    other.deliver(frame(3000, key=True))
    assert sink.timestamps()[-1] > sink.timestamps()[0]
    pub.close()
    other.close()
