"""The control tower through the paths production takes: a moderator's websocket and media
connection (a real aiortc peer) in the plenary, participants' in rooms, on one daphne.

Listening in: the moderator hears a room's speaker (decoded, non-silent) without being in
the room (its roster, its media), and the room is told. Voice to all rooms: each room's
participant hears the moderator's tone; the plenary does not. Everyone else: ``forbidden``.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.signaling.media.synthetic import ToneAudioTrack
from tests.signaling.media.workers.conftest import MakePerson, MediaSite, Person, close_rooms, move, open_rooms

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]
ROOM_TONE, MODERATOR_TONE = 440.0, 660.0


async def hears(listener: Person, speaker: Person, frequency: float, timeout: float = 15.0) -> float:
    """Wait until ``listener`` decodes ``speaker``'s microphone at ``frequency``; its RMS."""
    async with asyncio.timeout(timeout):
        while True:
            for mid in listener.media.mids_of(speaker.tag, "microphone"):
                if len(listener.media.audio.get(mid, ())) >= 25:  # ~0.5 s decoded
                    rms, freq = listener.media.audio_spectrum(mid)
                    if rms > 0.05 and abs(freq - frequency) < 20:
                        return rms
            await asyncio.sleep(0.05)


async def test_listening_in_hears_a_room_without_entering_it(media_site: MediaSite, people: MakePerson) -> None:
    moderator, speaker, neighbour = await people("moderator"), await people(), await people()
    rooms = await open_rooms(moderator.ws, media_site.session_id)
    try:
        for person in (speaker, neighbour):
            await move(moderator.ws, person, rooms[0])
        speaker.media.publish("microphone", ToneAudioTrack(ROOM_TONE))
        moderator.media.publish("microphone", ToneAudioTrack(MODERATOR_TONE))
        for person in (moderator, speaker, neighbour):
            await person.media.join("ignored")
        await hears(neighbour, speaker, ROOM_TONE)  # the room works

        feed = await moderator.ws.request("tower.watch")
        assert feed["type"] == "tower.activity" and feed["full"]
        assert {line["room"] for line in feed["rooms"]} == set(rooms)
        reply = await moderator.ws.request("tower.listen", room=rooms[0])
        assert reply["type"] == "ack", reply
        notice = await neighbour.ws.expect("tower.listening", lambda m: m["listening"], timeout=10)
        assert notice["by"]["participant_id"] == moderator.pid and notice["room"] == rooms[0]

        rms = await hears(moderator, speaker, ROOM_TONE)
        print(f"\nlistening in: the speaker's tone at RMS {rms:.2f}")
        # The moderator stays in the plenary and out of the room: not in its roster, and nobody
        # there receives the moderator's microphone.
        line = next(line for line in feed["rooms"] if line["room"] == rooms[0])  # the room speaks already
        if speaker.pid not in line["speaking"]:
            state = await moderator.ws.expect("tower.activity", lambda m: any(
                line["room"] == rooms[0] and speaker.pid in line["speaking"] for line in m["rooms"]), timeout=10)
            line = next(line for line in state["rooms"] if line["room"] == rooms[0])
        assert speaker.pid in line["speaking"] and line["quiet_since"] is None and line["heard"]
        assert line["people"] == 2 and not line["help"] and line["trouble"] == []
        assert not neighbour.media.mids_of(moderator.tag, "microphone")
        assert not speaker.media.mids_of(moderator.tag, "microphone")

        await moderator.ws.request("tower.stop_listening")
        ended = await neighbour.ws.expect("tower.listening", lambda m: not m["listening"], timeout=10)
        assert ended["by"]["participant_id"] == moderator.pid
        async with asyncio.timeout(10):
            while moderator.media.mids_of(speaker.tag, "microphone"):
                await asyncio.sleep(0.05)
    finally:
        await close_rooms(moderator.ws)


async def test_voice_to_all_rooms_reaches_every_room_and_not_the_plenary(media_site: MediaSite,
                                                                        people: MakePerson) -> None:
    moderator = await people("moderator")
    first, second, plenary = await people(), await people(), await people()
    rooms = await open_rooms(moderator.ws, media_site.session_id)
    try:
        await move(moderator.ws, first, rooms[0])
        await move(moderator.ws, second, rooms[1])
        moderator.media.publish("microphone", ToneAudioTrack(MODERATOR_TONE))
        for person in (moderator, first, second, plenary):
            await person.media.join("ignored")

        reply = await moderator.ws.request("tower.speak", rooms="all")
        assert reply["type"] == "ack", reply
        for person in (first, second):
            told = await person.ws.expect("tower.speaking", lambda m: m["speaking"], timeout=10)
            assert told["to_all"] and told["by"]["participant_id"] == moderator.pid
            rms = await hears(person, moderator, MODERATOR_TONE)
            print(f"\nvoice to all rooms: heard at RMS {rms:.2f}")
        # The plenary, where the moderator is, never receives it (the moderator is loud there:
        # without the tower they would be the plenary's active speaker).
        await asyncio.sleep(1.5)
        assert not plenary.media.mids_of(moderator.tag, "microphone")
        assert not [m for m in plenary.ws.seen if m["type"] == "tower.speaking"]
        # Someone moved into a room meanwhile is told, and hears the moderator there.
        await move(moderator.ws, plenary, rooms[0])
        await plenary.ws.expect("tower.speaking", lambda m: m["speaking"], timeout=10)
        await hears(plenary, moderator, MODERATOR_TONE)

        # Ends when the moderator's connection closes: the rooms are told, the voice stops.
        await moderator.media.close(leave=False)
        await moderator.ws.close()
        for person in (first, second):
            await person.ws.expect("tower.speaking", lambda m: not m["speaking"], timeout=10)
            async with asyncio.timeout(10):
                while person.media.mids_of(moderator.tag, "microphone"):
                    await asyncio.sleep(0.05)
    finally:
        closer = await people("moderator")
        await close_rooms(closer.ws)


async def test_only_moderators_use_the_control_tower(media_site: MediaSite, people: MakePerson) -> None:
    participant = await people()
    for type_, fields in (("tower.watch", {}), ("tower.listen", {"room": "room-1"}),
                          ("tower.speak", {"rooms": "all"}), ("tower.stop_speaking", {})):
        reply = await participant.ws.request(type_, **fields)
        assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    moderator = await people("moderator")
    # A moderator without a media connection is told to start it; a room that is not open is not found.
    reply = await moderator.ws.request("tower.speak", rooms="all")
    assert reply["code"] == "unknown_participant", reply
    reply = await moderator.ws.request("tower.speak", rooms=["x" * 65])
    assert reply["code"] == "invalid_message", reply
