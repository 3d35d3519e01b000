"""Fixtures for media tests: an in-process MediaServer and synthetic clients.

No database: these tests never touch Django models.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
from aiortc import RTCPeerConnection

from signaling.media import MediaServer
from signaling.media.ice import restrict_host_addresses

from .synthetic import DirectTransport, SyntheticParticipant

# Clients in this process gather candidates too: keep everything on loopback.
restrict_host_addresses(["127.0.0.1"])

ParticipantFactory = Callable[..., SyntheticParticipant]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[MediaServer]:
    media_server = MediaServer(host_addresses=["127.0.0.1"])
    yield media_server
    await media_server.close()


@pytest.fixture
def transport(server: MediaServer) -> DirectTransport:
    return DirectTransport(server)


@pytest_asyncio.fixture
async def participants(transport: DirectTransport) -> AsyncIterator[ParticipantFactory]:
    made: list[SyntheticParticipant] = []

    def make(participant_id: str, **kwargs: object) -> SyntheticParticipant:
        participant = SyntheticParticipant(participant_id, transport, **kwargs)  # type: ignore[arg-type]
        made.append(participant)
        return participant

    yield make
    for participant in made:
        await participant.close(leave=False)


@pytest_asyncio.fixture
async def pcs() -> AsyncIterator[list[RTCPeerConnection]]:
    """Peer connections a test makes by hand (hostile offers), closed afterwards."""
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()
