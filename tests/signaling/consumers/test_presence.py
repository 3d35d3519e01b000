"""Presence: who is here, in which role and space, with camera/mic and tab count."""
from __future__ import annotations

import pytest

from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio


def about(pid: int):  # noqa: ANN201 — a predicate
    return lambda m: m["participant"]["participant_id"] == pid


async def test_joined_then_left(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    maria = await connect("maria")
    joined = await jordan.expect("presence.joined", about(small.pid("maria")))
    assert joined["participant"]["name"] == "Maria Garcia"
    assert joined["participant"]["role"] == "participant"
    assert joined["participant"]["space"] == "plenary"
    await maria.close()
    left = await jordan.expect("presence.left")
    assert left["participant_id"] == small.pid("maria")


async def test_a_second_tab_shows_the_person_once_with_a_count(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await connect("maria")
    await jordan.expect("presence.joined", about(small.pid("maria")))
    second_tab = await connect("maria")
    changed = await jordan.expect("presence.changed", about(small.pid("maria")))
    assert changed["participant"]["connections"] == 2
    marias = [e for e in second_tab.welcome["roster"] if e["participant_id"] == small.pid("maria")]
    assert len(marias) == 1 and marias[0]["connections"] == 2
    await second_tab.close()
    changed = await jordan.expect("presence.changed", about(small.pid("maria")))
    assert changed["participant"]["connections"] == 1
    assert not jordan.take("presence.left")


async def test_camera_and_mic_as_reported(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    maria = await connect("maria")
    await maria.send("presence.update", camera=True, mic=False)
    changed = await jordan.expect("presence.changed", about(small.pid("maria")))
    assert (changed["participant"]["camera"], changed["participant"]["mic"]) == (True, False)
    await maria.send("presence.update", mic=True)
    changed = await jordan.expect("presence.changed", lambda m: m["participant"]["mic"])
    assert changed["participant"]["camera"] is True  # unchanged when not reported
    newcomer = await connect("james")
    entry = next(e for e in newcomer.welcome["roster"] if e["participant_id"] == small.pid("maria"))
    assert (entry["camera"], entry["mic"]) == (True, True)


async def test_moving_someone_to_a_room(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    maria = await connect("maria")
    room = await move_to_room(small, "maria")
    entered = await maria.expect("space.entered")
    assert entered["space"] == room and entered["chat"] == [] and entered["hands"] == []
    changed = await jordan.expect("presence.changed", about(small.pid("maria")))
    assert changed["participant"]["space"] == room


async def test_a_rush_of_arrivals_shares_frames(connect: Connect, small: SmallConvening) -> None:
    import asyncio

    jordan = await connect("jordan")
    await asyncio.gather(*(connect(name) for name in ("maria", "james", "aisha", "angela")))
    for name in ("maria", "james", "aisha", "angela"):
        await jordan.expect("presence.joined", about(small.pid(name)))
    assert "batch" in jordan.frame_types  # four roster updates, fewer frames
    assert jordan.frame_types.count("batch") < 4
