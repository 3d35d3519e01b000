"""The plenary (a large space): stage + most recent active speakers only."""

from __future__ import annotations

import asyncio

import pytest

from signaling.media import MediaServer

from .conftest import ParticipantFactory
from .synthetic import PatternVideoTrack, SyntheticParticipant, ToneAudioTrack

CAMERA_P, SCREEN_P, CAMERA_S1, CAMERA_S2, CAMERA_Q = 10, 11, 21, 22, 30


def publisher(make: ParticipantFactory, pid: str, tag: int, tone: float) -> SyntheticParticipant:
    p = make(pid)
    p.publish("camera", PatternVideoTrack(tag, width=128, height=64, fps=10))
    p.publish("microphone", ToneAudioTrack(frequency=440.0, amplitude=tone))
    return p


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_stage_reaches_everyone_and_silent_cameras_stay_home(
    server: MediaServer, participants: ParticipantFactory
) -> None:
    server.configure_space("plenary", active_speakers=1)
    presenter = publisher(participants, "P", CAMERA_P, tone=0.0)
    presenter.publish("screen", PatternVideoTrack(SCREEN_P, width=128, height=64, fps=10))
    speakers = [publisher(participants, "S1", CAMERA_S1, 0.3), publisher(participants, "S2", CAMERA_S2, 0.3)]
    quiet = publisher(participants, "Q", CAMERA_Q, tone=0.0)
    observer = participants("O")
    await server.set_stage("plenary", ["P"])
    everyone = [presenter, *speakers, quiet, observer]
    await asyncio.gather(*(p.join("plenary") for p in everyone))

    # The presenter's screen share reaches every plenary participant.
    for p in everyone[1:]:
        await p.wait_video(SCREEN_P, timeout=5)
        assert p.mids_of("P", "screen")
    # Two others speak (> N = 1): the observer gets exactly one speaker's camera ...
    async with asyncio.timeout(5):
        while not ({CAMERA_S1, CAMERA_S2} & set(observer.video)):
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)
    owners = {owner for owner, _ in observer.mid_owner.values()}
    assert owners & {"S1", "S2"} and len(owners & {"S1", "S2"}) == 1
    # ... and never the silent non-presenter's camera.
    assert CAMERA_Q not in observer.video and "Q" not in owners
    assert all(info.participant_id != "Q" for info in server.peer("O").track_infos())
    # A speaker sees the presenter plus the *other* speaker.
    s1_owners = {owner for owner, _ in speakers[0].mid_owner.values()}
    assert s1_owners == {"P", "S2"}
