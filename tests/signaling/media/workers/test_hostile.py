"""Bad media input over the real websocket: a clear error code (with the message's id as
``ref``), the offender's media connection closed cleanly, its websocket alive, and everyone
else's media flowing on."""
from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from tests.signaling.media.synthetic import PatternVideoTrack, ToneAudioTrack

from .conftest import MakePerson, Person
from .wsmedia import MediaWsClient

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]
TAG = 61


async def offer_sdp(pcs: list[RTCPeerConnection], *, audios: int = 0, video: bool = True, h264: bool = False) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pcs.append(pc)
    if video:
        transceiver = pc.addTransceiver("video", direction="recvonly")
        if h264:
            transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                             if c.mimeType == "video/H264"])
    for _ in range(audios):
        pc.addTransceiver(ToneAudioTrack(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription.sdp


async def refused(ws: MediaWsClient, type: str, **fields: object) -> str:  # noqa: A002
    reply = await ws.request(type, **fields)
    assert reply["type"] == "error", reply
    return str(reply["code"])


async def still_flowing(watcher: Person) -> None:
    before = watcher.media.video[TAG].last_counter
    await asyncio.sleep(0.5)
    assert watcher.media.video[TAG].last_counter > before


async def servers(ws: MediaWsClient) -> dict:
    return (await ws.request("media.diagnose"))["servers"]["in-process"]


async def test_hostile_media_input_is_refused_and_nobody_else_notices(people: MakePerson, pcs: list) -> None:
    presenter, watcher, offender, moderator = await people("presenter"), await people(), await people(), await people("moderator")
    presenter.media.publish("camera", PatternVideoTrack(TAG))
    await presenter.media.join("plenary")
    await watcher.media.join("plenary")
    await watcher.media.wait_video(TAG, timeout=10)
    ws = offender.ws

    codes = {
        "garbage": await refused(ws, "media.offer", sdp="hello, media server", initial=True),
        "no common codec": await refused(ws, "media.offer", sdp=await offer_sdp(pcs, h264=True), initial=True),
        "too many tracks": await refused(ws, "media.offer", sdp=await offer_sdp(pcs, audios=4), initial=True),
        "no media yet": await refused(ws, "media.offer", sdp=await offer_sdp(pcs)),
        "too long": await refused(ws, "media.offer", sdp="v=0 " + "x" * 60_000, initial=True),
        "not a string": await refused(ws, "media.offer", sdp=42, initial=True),
        "bad label": await refused(ws, "media.offer", sdp=await offer_sdp(pcs), tracks={"0": "hologram"}),
    }
    assert codes == {
        "garbage": "malformed_sdp", "no common codec": "no_common_codec", "too many tracks": "too_many_tracks",
        "no media yet": "unknown_participant", "too long": "invalid_message", "not a string": "invalid_message",
        "bad label": "invalid_message",
    }
    await ws.send("media.offer", sdp="v=0\r\n" + "a=x\r\n" * 20_000, initial=True)  # a frame > 64 KiB
    assert (await ws.expect("error"))["code"] == "too_large"
    await ws.ping()
    await still_flowing(watcher)

    # A real media connection, then hostile renegotiation: refused, and that connection closed.
    offender.media.publish("camera", PatternVideoTrack(TAG + 1))
    await offender.media.join("plenary")
    peers = (await servers(moderator.ws))["peers"]
    assert await refused(ws, "media.ice", candidate={"candidate": "candidate:garbage", "sdpMid": "0"}) == "bad_candidate"
    assert (await servers(moderator.ws))["peers"] == peers  # a bad candidate keeps the connection
    assert await refused(ws, "media.answer", sdp=await offer_sdp(pcs)) == "wrong_state"  # nothing to answer
    async with asyncio.timeout(5):
        while (await servers(moderator.ws))["peers"] != peers - 1:
            await asyncio.sleep(0.1)
    await ws.ping()
    await still_flowing(watcher)

    # ... and it may start over.
    fresh = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pcs.append(fresh)
    fresh.addTransceiver("video", direction="recvonly")
    await fresh.setLocalDescription(await fresh.createOffer())
    reply = await ws.request("media.offer", sdp=fresh.localDescription.sdp, initial=True)
    assert reply["type"] == "media.server_answer"
    await fresh.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    async with asyncio.timeout(10):
        while fresh.connectionState != "connected":
            await asyncio.sleep(0.05)
