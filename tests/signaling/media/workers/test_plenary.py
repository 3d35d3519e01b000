"""The plenary over the real websocket: a presenter's screen share is the stage every
participant receives; a participant may not share a screen there."""
from __future__ import annotations

import asyncio

import pytest

from signaling.media import MediaError
from tests.signaling.media.synthetic import PatternVideoTrack

from .conftest import MakePerson

pytestmark = [pytest.mark.live, pytest.mark.asyncio, pytest.mark.timeout(120)]
TAG_CAMERA, TAG_SCREEN, TAG_SNEAK = 51, 52, 53


async def test_presenters_screen_reaches_every_plenary_participant(people: MakePerson) -> None:
    presenter = await people("presenter")
    audience = [await people() for _ in range(3)]
    presenter.media.publish("camera", PatternVideoTrack(TAG_CAMERA))
    presenter.media.publish("screen", PatternVideoTrack(TAG_SCREEN, width=320, height=192))
    await presenter.media.join("plenary")
    for person in audience:
        await person.media.join("plenary")
    for person in audience:
        await person.media.wait_video(TAG_SCREEN, timeout=10)
        assert person.media.video[TAG_SCREEN].mids == set(person.media.mids_of(presenter.tag, "screen"))
        await person.media.wait_video(TAG_CAMERA, timeout=10)


async def test_a_participants_screen_is_forbidden_in_the_plenary(people: MakePerson) -> None:
    presenter, sneaky = await people("presenter"), await people()
    presenter.media.publish("camera", PatternVideoTrack(TAG_CAMERA))
    await presenter.media.join("plenary")
    sneaky.media.publish("camera", PatternVideoTrack(TAG_SNEAK))
    sneaky.media.publish("screen", PatternVideoTrack(TAG_SNEAK + 1))
    with pytest.raises(MediaError) as refused:
        await sneaky.media.join("plenary")
    assert refused.value.code == "forbidden"
    await sneaky.ws.ping()  # the websocket is fine
    watcher = await people()
    await watcher.media.join("plenary")
    await watcher.media.wait_video(TAG_CAMERA, timeout=10)
    assert TAG_SNEAK + 1 not in watcher.media.video


async def test_a_moderator_is_on_the_stage_while_sharing_a_screen(people: MakePerson) -> None:
    moderator, watcher = await people("moderator"), await people()
    moderator.media.publish("camera", PatternVideoTrack(TAG_CAMERA + 10))
    moderator.media.publish("screen", PatternVideoTrack(TAG_SCREEN + 10))
    await moderator.media.join("plenary")
    await watcher.media.join("plenary")
    await watcher.media.wait_video(TAG_SCREEN + 10, timeout=10)
    await watcher.media.wait_video(TAG_CAMERA + 10, timeout=10)

    screen = next(t for t in moderator.media.pc.getTransceivers()
                  if t.sender.track is moderator.media.tracks["screen"])
    screen.direction = "inactive"
    await moderator.media.renegotiate()  # stops sharing: off the stage (and not speaking)
    async with asyncio.timeout(10):
        while watcher.media.mids_of(moderator.tag, "screen") or watcher.media.mids_of(moderator.tag, "camera"):
            await asyncio.sleep(0.05)
