"""Through the real websocket, on a server configured as production is (loopback not among
MEDIA_ALLOWED_PEER_NETWORKS): a participant naming a loopback port in its offer or in a
trickled candidate gets no STUN sent there, and no error either."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from tests.live import LiveDatabase
from tests.signaling.media.stun_trap import StunTrap, candidate, with_candidates, without_candidates

from .conftest import MakePerson, MediaSite, site_fixture

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def guarded_site(live_template: LiveDatabase) -> Iterator[MediaSite]:
    # 127.0.0.2 stands for a public address: once it is probed, the server is checking.
    yield from site_fixture(live_template, env={"MEDIA_ALLOWED_PEER_NETWORKS": "127.0.0.2/32"})


async def test_no_stun_to_loopback_ports_a_participant_names(people: MakePerson, guarded_site: MediaSite) -> None:
    person = await people(site=guarded_site)
    in_offer, trickled, control = (await StunTrap.open("127.0.0.1"), await StunTrap.open("127.0.0.1"),
                                   await StunTrap.open("127.0.0.2"))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = with_candidates(without_candidates(pc.localDescription.sdp), [
            candidate(1, "127.0.0.1", in_offer.port, 2130706431), candidate(2, "127.0.0.2", control.port, 1),
        ])
        reply = await person.ws.request("media.offer", sdp=sdp, initial=True)
        assert reply["type"] == "media.server_answer", reply
        await person.ws.send("media.ice", id="ice1", candidate={
            "candidate": candidate(3, "127.0.0.1", trickled.port, 2130706431), "sdpMid": "0"})
        await person.ws.ping()
        await asyncio.wait_for(control.hit.wait(), timeout=10)
        await asyncio.sleep(1)
        assert (in_offer.requests, trickled.requests) == (0, 0)
        # A refused candidate is only dropped (browsers offer private addresses routinely).
        with pytest.raises(AssertionError, match="no 'error' message"):
            await person.ws.expect("error", timeout=0.2)
    finally:
        await pc.close()
        for trap in (in_offer, trickled, control):
            trap.close()
