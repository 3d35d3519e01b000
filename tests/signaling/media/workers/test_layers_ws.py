"""Simulcast over the real websocket: a camera offered as three layers (``media.offer``
``layers``) is one camera to the others, a small tile (``media.visible`` ``sizes``) gets the
lowest layer, and the publisher hears which layers anyone needs (``media.layers``)."""
from __future__ import annotations

import pytest

from tests.signaling.media.synthetic import ToneAudioTrack, cap_layer_bitrates

from .conftest import MakePerson, MediaSite, close_rooms, move, open_rooms

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]
TAG = 53


async def test_a_layered_camera_reaches_a_small_tile_as_its_lowest_layer(media_site: MediaSite, people: MakePerson) -> None:
    undo = cap_layer_bitrates()
    moderator = await people("moderator")
    a, b = await people(), await people()
    rooms = await open_rooms(moderator.ws, media_site.session_id)
    try:
        for person in (a, b):
            await move(moderator.ws, person, rooms[0])
        a.media.publish_layers(TAG)
        a.media.publish("microphone", ToneAudioTrack(440.0))
        await a.media.join("ignored: the connection's space")
        low, middle, top = (a.media.layer_mid(rank) for rank in range(3))
        await a.ws.expect("media.layers", lambda m: m["active"] == [low], timeout=10)  # nobody watches yet

        await b.media.join("ignored: the connection's space")
        await b.media.wait_video(TAG, timeout=15)
        assert len(b.media.mids_of(a.tag, "camera")) == 1  # three layers, one camera
        (camera,) = b.media.mids_of(a.tag, "camera")
        reply = await b.ws.request("media.visible", hidden=[], sizes={camera: 90})
        assert reply["type"] == "ack"
        await b.media.wait_video(TAG, timeout=10)
        assert b.media.video[TAG].height == 90
        refused = await b.ws.request("media.offer", sdp="v=0", tracks={"0": "screen"},
                                     layers={"0": {"rank": 0, "height": 90}})
        assert refused["type"] == "error" and refused["code"] == "invalid_message"  # layers are camera layers
    finally:
        undo()
        await close_rooms(moderator.ws)
