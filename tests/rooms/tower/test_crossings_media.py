"""Crossings on a real MediaServer with real aiortc peers (in process): a moderator speaking
to their own room and to another arrives once in each, and listening follows the room's
people as they come and go."""
from __future__ import annotations

import asyncio

import pytest

from signaling.media import MediaServer
from tests.signaling.media.conftest import participants, server, transport  # noqa: F401 — fixtures
from tests.signaling.media.synthetic import SyntheticParticipant, ToneAudioTrack

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


async def until(check, timeout: float = 10.0) -> None:  # noqa: ANN001
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


async def test_speaking_to_ones_own_room_and_another_arrives_once_in_each(server: MediaServer, participants) -> None:  # noqa: ANN001, F811
    moderator: SyntheticParticipant = participants("mod")
    moderator.publish("microphone", ToneAudioTrack(660.0))
    here, there, elsewhere = participants("here"), participants("there"), participants("elsewhere")
    await moderator.join("room-1")
    await here.join("room-1")
    await there.join("room-2")
    await elsewhere.join("plenary")
    await until(lambda: bool(here.mids_of("mod", "microphone")))
    server.set_speaking("mod", frozenset({"room-1", "room-2"}))
    await until(lambda: bool(there.mids_of("mod", "microphone")))
    await asyncio.sleep(0.5)
    assert len(here.mids_of("mod", "microphone")) == 1 and len(there.mids_of("mod", "microphone")) == 1
    assert not elsewhere.mids_of("mod", "microphone")
    server.set_speaking("mod", None)
    await until(lambda: not there.mids_of("mod", "microphone"))
    assert here.mids_of("mod", "microphone")  # their own room hears them as before


async def test_a_listener_follows_the_rooms_people_and_stops_when_they_leave(server: MediaServer, participants) -> None:  # noqa: ANN001, F811
    listener, first, second = participants("mod"), participants("a"), participants("b")
    first.publish("microphone", ToneAudioTrack(440.0))
    second.publish("microphone", ToneAudioTrack(550.0))
    await listener.join("plenary")
    await first.join("room-1")
    server.set_listening("mod", "room-1")
    await until(lambda: bool(listener.mids_of("a", "microphone")))
    await second.join("room-1")  # someone comes in: heard too
    await until(lambda: bool(listener.mids_of("b", "microphone")))
    await server.move("a", "room-2")  # someone leaves: no longer heard
    await until(lambda: not listener.mids_of("a", "microphone"))
    await server.leave("mod")
    assert not server.crossings.listening and server.stats()["peers"] == 2
