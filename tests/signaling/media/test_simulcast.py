"""Simulcast through the media server: a camera published as three layers (one m-line each,
as the browser client sends it), two viewers whose tiles differ in size. Each gets the layer
its tile needs (``media.visible`` sizes), a switch never shows a corrupt frame, and the
publisher is told to stop sending the layer nobody needs (``media.layers``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from signaling.media import MediaServer

from .conftest import ParticipantFactory
from .synthetic import SyntheticParticipant, ToneAudioTrack, cap_layer_bitrates

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]
TAG = 23


@pytest.fixture(autouse=True)
def browser_like_layers() -> Iterator[None]:
    undo = cap_layer_bitrates()  # each layer at a browser's bitrate for its size
    yield
    undo()


async def until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def height(viewer: SyntheticParticipant) -> int:
    seen = viewer.video.get(TAG)
    return 0 if seen is None else seen.height


def told_active(publisher: SyntheticParticipant) -> set[str] | None:
    told = [s.active for s in publisher.signals if s.kind == "layers"]
    return set(told[-1]) if told else None


async def video_packets_lost(viewer: SyntheticParticipant) -> int:
    stats = await viewer.pc.getStats()
    return sum(s.packetsLost for s in stats.values() if s.type == "inbound-rtp" and s.kind == "video")


async def test_two_viewers_get_the_layers_their_tiles_need(
    server: MediaServer, participants: ParticipantFactory
) -> None:
    publisher = participants("presenter", decode=False)
    publisher.publish_layers(TAG)  # 160x90, 320x180, 640x360 at 15 fps
    publisher.publish("microphone", ToneAudioTrack())
    small, large = participants("small"), participants("large")
    await publisher.join("room")
    camera = server.peer("presenter").publications
    assert [p.label for p in camera.values()] == ["camera", "microphone"]  # one camera, three layers
    low, middle, top = (publisher.layer_mid(rank) for rank in range(3))
    await until(lambda: told_active(publisher) == {low})  # nobody watches yet: only the lowest is sent
    assert not publisher.layers[2].active

    await small.join("room")
    await large.join("room")
    await until(lambda: bool(small.mids_of("presenter", "camera")))
    server.set_sizes("small", {small.mids_of("presenter", "camera")[0]: 90})  # a thumbnail
    await until(lambda: height(small) == 90 and height(large) == 360)
    await until(lambda: told_active(publisher) == {low, top})  # the middle layer: nobody needs it
    assert not publisher.layers[1].active

    # The thumbnail grows: the middle layer is asked for, and the switch waits for its keyframe.
    server.set_sizes("small", {small.mids_of("presenter", "camera")[0]: 170})
    await until(lambda: height(small) == 180)
    assert told_active(publisher) == {low, middle, top} and publisher.layers[1].active
    before = small.video[TAG].count
    await until(lambda: small.video[TAG].count >= before + 15)  # and it goes on
    assert height(large) == 360
    lost = {viewer: await video_packets_lost(viewer) for viewer in (small, large)}
    # No corrupt frame at any switch (a viewer of a busy box may lose a packet on loopback: a frame
    # it garbles is not the switch's doing). The wire itself is checked in test_layer_switch.py.
    assert all(viewer.unreadable == 0 or lost[viewer] > 0 for viewer in lost), lost
    assert 0 <= lost[small] < 50  # sequence numbers went on across both switches (a reset reads as thousands)
    slot = next(s.track for s in server.peer("small").slots if s.track.kind == "video")
    assert slot.switches >= 1 and slot.layer == 1
