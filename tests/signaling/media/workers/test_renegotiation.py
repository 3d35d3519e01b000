"""Server renegotiation with clients that are not aiortc (browsers), in-process.

* A re-offer keeps the payload types and RTP header-extension ids the client chose (a
  browser refuses an active m-line whose extension ids change, and a BUNDLE in which one
  payload type means two codecs); new m-lines use the client's choices too.
* A publication that ends (unpublished, or its owner left) is taken off everyone's track
  labels at once (``tracks``), though their slots were freed without a reconcile pass.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from signaling.media import MediaServer, SignalOut
from tests.signaling.media.synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]
# A browser's choices, unlike aiortc's defaults (mid=1, audio-level=2, abs-send-time=3; opus 96, VP8 97, rtx 98).
EXT_IDS = {"urn:ietf:params:rtp-hdrext:ssrc-audio-level": 1, "urn:ietf:params:rtp-hdrext:sdes:mid": 4,
           "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time": 2}
PAYLOAD_TYPES = {96: 111, 97: 123, 98: 124}  # opus, VP8, VP8's rtx (numbers aiortc does not use)


def browser_like(sdp: str) -> str:
    """An aiortc offer rewritten with a browser's extension ids and payload types."""
    def ext(match: re.Match[str]) -> str:
        return f"a=extmap:{EXT_IDS[match.group(2)]} {match.group(2)}"

    def pts(match: re.Match[str]) -> str:
        return " ".join(str(PAYLOAD_TYPES.get(int(p), p)) for p in match.group(0).split(" "))

    lines = []
    for line in sdp.splitlines():
        line = re.sub(r"^a=extmap:(\d+) (\S+)", ext, line)
        if line.startswith("m="):
            head, fmt = line.split(" UDP/TLS/RTP/SAVPF ")
            line = f"{head} UDP/TLS/RTP/SAVPF " + re.sub(r"[\d ]+", pts, fmt)
        line = re.sub(r"^a=(rtpmap|fmtp|rtcp-fb):(\d+)", lambda m: f"a={m.group(1)}:{PAYLOAD_TYPES.get(int(m.group(2)), m.group(2))}", line)
        line = re.sub(r"apt=(\d+)", lambda m: f"apt={PAYLOAD_TYPES.get(int(m.group(1)), m.group(1))}", line)
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def sections(sdp: str) -> list[str]:
    return sdp.split("\r\nm=")[1:]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[MediaServer]:
    media = MediaServer(host_addresses=["127.0.0.1"])
    yield media
    await media.close()


async def test_reoffers_keep_the_clients_payload_types_and_extension_ids(server: MediaServer) -> None:
    offers: list[SignalOut] = []

    async def keep(signal: SignalOut) -> None:
        offers.append(signal)

    await server.join("X", "room", keep)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    other = SyntheticParticipant("Y", DirectTransport(server))
    try:
        pc.addTransceiver(ToneAudioTrack(), direction="sendonly")
        pc.addTransceiver(PatternVideoTrack(1), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        answer = await server.handle_offer("X", browser_like(pc.localDescription.sdp), {"0": "microphone", "1": "camera"})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        other.publish("camera", PatternVideoTrack(2))
        other.publish("microphone", ToneAudioTrack())
        await other.join("room")
        async with asyncio.timeout(10):
            while not any(s.kind == "offer" for s in offers):
                await asyncio.sleep(0.05)
        offer = next(s for s in offers if s.kind == "offer").sdp or ""
        assert len(sections(offer)) == 4  # ours two, plus a slot for Y's camera and one for Y's microphone
        for section in sections(offer):
            extmaps = dict((uri, int(i)) for i, uri in re.findall(r"a=extmap:(\d+) (\S+)", section))
            assert all(EXT_IDS[uri] == i for uri, i in extmaps.items()), section
            if section.startswith("audio"):
                assert re.search(r"a=rtpmap:111 opus/48000", section) and " 96" not in section.split("\r\n")[0]
            else:
                assert "a=rtpmap:123 VP8/90000" in section and "a=rtpmap:97 " not in section
                assert "rtx/90000" not in section or "a=fmtp:124 apt=123" in section
    finally:
        await other.close(leave=False)
        await pc.close()


async def test_an_ended_publication_leaves_everyones_track_labels(server: MediaServer) -> None:
    transport = DirectTransport(server)
    server.configure_space("plenary-x", large=True)
    presenter, viewer = SyntheticParticipant("P", transport), SyntheticParticipant("V", transport)
    presenter.publish("camera", PatternVideoTrack(1))
    presenter.publish("screen", PatternVideoTrack(2))
    try:
        await presenter.join("plenary-x")
        await server.set_stage("plenary-x", ["P"])
        await viewer.join("plenary-x")
        await viewer.wait_video(2, timeout=10)
        async with asyncio.timeout(5):
            while server.peer("P").pc.signalingState != "stable":
                await asyncio.sleep(0.02)
        screen = next(t for t in presenter.pc.getTransceivers() if t.sender.track is presenter.tracks["screen"])
        screen.direction = "inactive"
        await presenter.renegotiate()  # the screen share ends
        async with asyncio.timeout(5):
            while viewer.mids_of("P", "screen"):
                await asyncio.sleep(0.02)
        assert viewer.mids_of("P", "camera")
        await presenter.close()  # and the presenter leaves
        async with asyncio.timeout(5):
            while viewer.mid_owner:
                await asyncio.sleep(0.02)
    finally:
        await presenter.close(leave=False)
        await viewer.close(leave=False)
