"""Hostile or broken signaling is rejected with distinct codes, and the server
keeps serving everyone else (and even the offender, once it behaves)."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from signaling.media import MediaError, MediaServer, SignalOut

from .conftest import ParticipantFactory
from .synthetic import PatternVideoTrack

TAG = 21


async def client_offer(pcs: list[RTCPeerConnection], *, videos: int = 1, h264_only: bool = False, datachannel: bool = False) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pcs.append(pc)
    for i in range(videos):
        transceiver = pc.addTransceiver(PatternVideoTrack(100 + i), direction="sendonly")
        if h264_only:
            caps = RTCRtpSender.getCapabilities("video").codecs
            transceiver.setCodecPreferences([c for c in caps if c.mimeType == "video/H264"])
    if datachannel:
        pc.createDataChannel("chat")
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription.sdp


async def rejected(coro: object) -> str:
    with pytest.raises(MediaError) as info:
        await coro  # type: ignore[misc]
    return info.value.code


async def ignore(signal: SignalOut) -> None:
    pass


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_hostile_offers_get_distinct_codes_and_others_keep_flowing(
    server: MediaServer, participants: ParticipantFactory, pcs: list[RTCPeerConnection]
) -> None:
    a, b = participants("A"), participants("B")
    a.publish("camera", PatternVideoTrack(TAG))
    await a.join("room")
    await b.join("room")
    await b.wait_video(TAG, timeout=5)
    await server.join("X", "room", ignore)
    valid = await client_offer(pcs)
    offer = lambda sdp: server.handle_offer("X", sdp)  # noqa: E731

    codes = {
        "garbage": await rejected(offer("hello, media server")),
        "huge": await rejected(offer("v=0\r\n" + "a=x\r\n" * 200_000)),
        "no m-lines": await rejected(offer(await client_offer(pcs, videos=0))),
        "no common codec": await rejected(offer(await client_offer(pcs, h264_only=True))),
    }
    assert codes == {
        "garbage": "malformed_sdp",
        "huge": "sdp_too_large",
        "no m-lines": "no_media",
        "no common codec": "no_common_codec",
    }
    assert await rejected(offer(valid.replace("UDP/TLS/RTP/SAVPF 97", "UDP/TLS/RTP/SAVPF 300"))) == "malformed_sdp"
    no_ice = "".join(line for line in valid.splitlines(True) if not line.startswith("a=ice-ufrag"))
    assert await rejected(offer(no_ice)) == "malformed_sdp"
    no_bundle = "".join(line for line in valid.splitlines(True) if not line.startswith("a=group:BUNDLE"))
    assert await rejected(offer(no_bundle)) == "bundle_required"
    assert await rejected(offer(await client_offer(pcs, videos=4))) == "too_many_tracks"
    assert await rejected(offer(await client_offer(pcs, datachannel=True))) == "unsupported_media"
    assert await rejected(offer(None)) == "malformed_sdp"  # type: ignore[arg-type]
    assert await rejected(server.handle_offer("X", valid, {"0": "hologram"})) == "bad_track_label"
    assert await rejected(server.handle_answer("X", valid)) == "wrong_state"  # no offer outstanding
    assert await rejected(server.handle_offer("nobody", valid)) == "unknown_participant"
    bad_candidate = {"candidate": "candidate:garbage", "sdpMid": "0"}
    assert await rejected(server.add_ice_candidate("X", bad_candidate)) == "bad_candidate"

    # the server kept forwarding A -> B throughout
    before = b.video[TAG].last_counter
    await asyncio.sleep(0.4)
    assert b.video[TAG].last_counter > before
    # and X, once it sends a sane offer, is served normally
    x_pc = pcs[0]
    answer = await server.handle_offer("X", valid)
    await x_pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await b.wait_video(100, timeout=5)
    await server.add_ice_candidate("X", None)  # end-of-candidates is accepted


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_glare_client_offer_while_server_offer_outstanding(
    server: MediaServer, participants: ParticipantFactory, pcs: list[RTCPeerConnection]
) -> None:
    held: list[SignalOut] = []

    async def hold(signal: SignalOut) -> None:
        held.append(signal)  # a client that never answers

    await server.join("G", "room", hold)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pcs.append(pc)
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    answer = await server.handle_offer("G", pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    a = participants("A")
    a.publish("camera", PatternVideoTrack(TAG))
    await a.join("room")
    async with asyncio.timeout(5):
        while not held:
            await asyncio.sleep(0.02)
    assert held[0].kind == "offer" and held[0].tracks[0].participant_id == "A"
    await pc.setLocalDescription(await pc.createOffer())  # G offers instead of answering
    assert await rejected(server.handle_offer("G", pc.localDescription.sdp)) == "glare"
    # the server still serves others
    b = participants("B")
    await b.join("room")
    await b.wait_video(TAG, timeout=5)
