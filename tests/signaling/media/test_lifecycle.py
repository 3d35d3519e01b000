"""Ownership: tasks, peers and transports do not outlive their participant;
renegotiations are serialized per peer."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from signaling.media import MediaServer, SignalOut

from .synthetic import DirectTransport, PatternVideoTrack, SyntheticParticipant

TAG = 9


def footprint() -> tuple[int, int, int]:
    """(asyncio tasks, threads, open file descriptors incl. UDP sockets).

    The loop's default executor (the publishing *client* encodes there) keeps
    its pooled worker threads by design: they are not per-participant.
    """
    threads = [t for t in threading.enumerate() if not t.name.startswith("asyncio_")]
    return len(asyncio.all_tasks()), len(threads), len(os.listdir("/proc/self/fd"))


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


@pytest.mark.asyncio
@pytest.mark.timeout(90)
async def test_hundred_join_leave_cycles_leave_nothing_behind() -> None:
    await asyncio.sleep(0.1)
    baseline = footprint()
    server = MediaServer(host_addresses=["127.0.0.1"])
    transport = DirectTransport(server)
    publisher = SyntheticParticipant("pub", transport)
    publisher.publish("camera", PatternVideoTrack(TAG, fps=10))
    await publisher.join("room")
    for batch in range(10):
        clients = [SyntheticParticipant(f"c{batch}-{i}", transport, decode=False) for i in range(10)]
        await asyncio.gather(*(c.join("room") for c in clients))
        # fully up: connected, subscribed, and media arriving
        await until(lambda: all(sum(c.encoded_frames.values()) > 0 for c in clients))
        await asyncio.gather(*(c.close() for c in clients))
        assert server.stats()["peers"] == 1
    stats = server.stats()
    assert stats["peers"] == 1 and stats["slots"] == 0 and stats["tasks_alive"] == 1  # pub's negotiator
    await publisher.close()
    await server.close()
    stats = server.stats()
    assert (stats["peers"], stats["tasks_alive"], stats["spaces"]) == (0, 0, 0)
    # aiortc finishes a few tasks (transport shutdown) just after close(): settle
    try:
        await until(lambda: footprint() <= baseline, timeout=10)
    finally:
        print(f"\nfootprint baseline {baseline} after {footprint()}")
    assert footprint() <= baseline


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_leave_cancels_the_participants_tasks(server: MediaServer) -> None:
    async def ignore(signal: SignalOut) -> None:
        pass

    await server.join("solo", "room", ignore)
    peer = server.peer("solo")
    assert len(peer.tasks) == 1 and server.stats()["tasks_alive"] == 1
    await server.leave("solo")
    assert len(peer.tasks) == 0 and peer.pc.connectionState == "closed"
    assert server.stats()["tasks_alive"] == 0


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_renegotiations_are_serialized_with_a_follow_up(server: MediaServer) -> None:
    held: list[SignalOut] = []

    async def hold(signal: SignalOut) -> None:
        held.append(signal)

    transport = DirectTransport(server)
    await server.join("H", "room", hold)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    answer = await server.handle_offer("H", pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    first = SyntheticParticipant("P1", transport)
    first.publish("camera", PatternVideoTrack(1))
    second = SyntheticParticipant("P2", transport)
    second.publish("camera", PatternVideoTrack(2))
    try:
        await first.join("room")
        await until(lambda: len(held) == 1)
        await second.join("room")  # changes H's subscriptions mid-negotiation
        await asyncio.sleep(0.5)
        assert len(held) == 1  # no second offer while the first is unanswered
        await pc.setRemoteDescription(RTCSessionDescription(sdp=held[0].sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await server.handle_answer("H", pc.localDescription.sdp)
        await until(lambda: len(held) == 2)  # the queued follow-up
        assert {t.participant_id for t in held[1].tracks} == {"P1", "P2"}
        assert held[1].kind == "offer"
    finally:
        for p in (first, second):
            await p.close()
        await pc.close()
