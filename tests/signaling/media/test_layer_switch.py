"""A subscriber stream switching simulcast layers (``SlotTrack.want``), against a real aiortc
subscriber over loopback, on the C path and the Python one: the switch waits for a keyframe
of the target layer (asked of that layer only), and the subscriber's sequence numbers,
timestamps and VP8 picture ids go on without a jump."""

from __future__ import annotations

import pytest

from signaling.media.forwarding import SlotTrack, StreamState
from signaling.media.passthrough import EncodedFrame

from .test_sendpath import EncodingPublisher, Link, link, media, until  # noqa: F401 — the fixture

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def vp8_frame_start(payload: bytes) -> tuple[int, bool] | None:
    """(picture id, keyframe) of a packet that starts a VP8 frame (RFC 7741), else None."""
    first, i = payload[0], 1
    if not first & 0x10:  # S: not the start of a partition
        return None
    picture_id = -1
    if first & 0x80:  # X
        ext, i = payload[1], 2
        if ext & 0x80:  # I
            if payload[i] & 0x80:
                picture_id, i = int.from_bytes(payload[i:i + 2], "big") & 0x7FFF, i + 2
            else:
                picture_id, i = payload[i], i + 1
        i += bool(ext & 0x40) + bool(ext & 0x30)
    return picture_id, not payload[i] & 0x01


async def test_a_layer_switch_starts_on_a_keyframe_and_the_stream_goes_on(link: Link) -> None:
    low, high = EncodingPublisher(21, "cam/0"), EncodingPublisher(42, "cam/1")
    high.pub.group([low.pub, high.pub])
    track = link.slot.track
    track.attach(high.pub, low.pub)  # receives the camera, fed by its low layer
    await until(lambda: len([d for d in link.decoded if d[0] == 21]) >= 10)
    if link.path == "c":
        await until(lambda: track in low.pub.lane)
    low_plis, high_plis = low.plis, high.plis

    track.want(high.pub)  # forwarding: it waits for the high layer's next keyframe
    assert track.feed is low.pub and track.target is high.pub and track.state is StreamState.FORWARDING
    await until(lambda: len([d for d in link.decoded if d[0] == 42]) >= 10)
    assert track.feed is high.pub and track.target is None and track.switches == 1
    assert high.plis == high_plis + 1 and low.plis == low_plis  # only the target layer was asked, once
    assert track not in low.pub.subscribers and track in high.pub.subscribers
    await low.close()
    await high.close()

    packets = media(link.wire, link.slot.transceiver.sender._ssrc)
    seqs = [p.sequence_number for p in packets]
    assert all((b - a) & 0xFFFF == 1 for a, b in zip(seqs, seqs[1:])), "sequence numbers must not jump"
    frame_ts = list(dict.fromkeys(p.timestamp for p in packets))
    assert all(2990 <= (b - a) & 0xFFFFFFFF <= 6010 for a, b in zip(frame_ts, frame_ts[1:]))
    starts = [s for p in packets if (s := vp8_frame_start(p.payload)) is not None]
    picture_ids = [pid for pid, _ in starts]
    assert all((b - a) & 0x7FFF == 1 for a, b in zip(picture_ids, picture_ids[1:])), "picture ids must not jump"
    # The decoder saw the low layer, then the high one from a keyframe: never a mix, nothing corrupt.
    tags = [tag for tag, _ in link.decoded]
    switch = tags.index(42)
    assert set(tags[:switch]) == {21} and set(tags[switch:]) == {42}
    assert starts[switch][1], "the first frame of the new layer is a keyframe"


KEYFRAME = EncodedFrame(b"\x00" * 10, 0, True, 90000, 0.0)


class Collected:
    """A sink that keeps what it was sent (the slot's sender is not started in this test)."""

    def __init__(self) -> None:
        self.frames: list[EncodedFrame] = []

    def send(self, frame: EncodedFrame, timestamp: int) -> bool:
        self.frames.append(frame)
        return True

    def close(self) -> None:
        pass


async def test_a_stream_waiting_for_a_keyframe_moves_at_once_and_back_cancels() -> None:
    low, high = EncodingPublisher(5, "c/0"), EncodingPublisher(6, "c/1")
    try:
        high.pub.group([low.pub, high.pub])
        track = SlotTrack("video")
        track.sink = Collected()
        track.attach(high.pub)
        assert track.state is StreamState.AWAITING_KEYFRAME and track.feed is high.pub
        track.want(low.pub)  # nothing goes out yet: no reason to wait
        assert track.feed is low.pub and track.target is None
        low.pub.deliver(KEYFRAME)
        assert track.state is StreamState.FORWARDING and track.sink.frames == [KEYFRAME]
        track.want(high.pub)
        assert track.target is high.pub and track in high.pub.waiting
        track.want(low.pub)  # changed its mind before the keyframe came
        assert track.target is None and track not in high.pub.waiting and track.feed is low.pub
        high.pub.deliver(KEYFRAME)
        assert track.feed is low.pub and track.sink.frames == [KEYFRAME]
        track.stop()
        assert track not in low.pub.subscribers
    finally:
        await low.close()
        await high.close()
