"""Closing a websocket closes its media: after many join/leave cycles over the real
websocket the server holds no peer connection, task, socket or session more than before;
and stopping the server closes every media connection."""
from __future__ import annotations

import asyncio
import time

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from tests import live
from tests.live import DaphneServer, LiveDatabase, join_tokens
from tests.signaling.media.synthetic import PatternVideoTrack

from .conftest import MakePerson, MediaSite
from .wsmedia import MediaWsClient

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(150)]
CYCLES = 100  # 10 people at once, 10 rounds
AT_ONCE = 10


async def diagnostics(ws: MediaWsClient) -> dict:
    reply = await ws.request("media.diagnose")
    return {"sessions": reply["sessions"], **reply["servers"]["in-process"]}


async def one_cycle(site: MediaSite, token: str) -> None:
    """Open a websocket, bring media up (ICE + DTLS connected), close the websocket."""
    ws = await MediaWsClient.open(site.server, token)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        reply = await ws.request("media.offer", sdp=pc.localDescription.sdp, initial=True)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
        async with asyncio.timeout(15):
            while pc.connectionState != "connected":
                await asyncio.sleep(0.02)
    finally:
        await ws.close()
        await pc.close()


async def test_join_leave_cycles_leave_nothing_behind(media_site: MediaSite, people: MakePerson) -> None:
    moderator = await people("moderator")
    await asyncio.sleep(0.5)
    before = await diagnostics(moderator.ws)
    tokens = [media_site.take("participant")["token"] for _ in range(AT_ONCE)]
    started = time.monotonic()
    for _ in range(CYCLES // AT_ONCE):
        await asyncio.gather(*(one_cycle(media_site, token) for token in tokens))
    elapsed = time.monotonic() - started
    after = await diagnostics(moderator.ws)
    async with asyncio.timeout(10):  # disconnects are handled asynchronously: let them land
        while (after["peers"], after["sessions"], after["tasks_alive"]) != (before["peers"], before["sessions"], before["tasks_alive"]) \
                or after["process_tasks"] > before["process_tasks"] or after["process_fds"] > before["process_fds"]:
            await asyncio.sleep(0.2)
            after = await diagnostics(moderator.ws)
    print(f"\n{CYCLES} websocket media join/leave cycles in {elapsed:.1f} s; before {before}\nafter {after}")
    assert after["slots"] == before["slots"] and after["members"] == before["members"]


async def test_stopping_the_server_closes_every_media_connection(live_template: LiveDatabase, people: MakePerson) -> None:
    """daphne's shutdown closes the hub: browsers see their media end at once (DTLS close),
    not after an ICE timeout."""
    for database in live.live_db_fixture(live_template):
        server = DaphneServer(database.url, name="media-stopping").start()
        try:
            site = MediaSite(server, database.url, join_tokens(database.url, role="participant", limit=1), 0)
            person = await people(site=site)
            person.media.publish("camera", PatternVideoTrack(81))
            await person.media.join("plenary")
            async with asyncio.timeout(10):
                while person.media.pc.connectionState != "connected":
                    await asyncio.sleep(0.05)
            server.process.terminate()  # type: ignore[union-attr]
            async with asyncio.timeout(5):
                while person.media.pc.connectionState == "connected":
                    await asyncio.sleep(0.05)
            assert person.media.pc.connectionState in ("closed", "failed")
        finally:
            server.stop()
