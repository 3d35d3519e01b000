"""Moderator broadcasts reach everyone in the convening: plenary and every room."""
from __future__ import annotations

import pytest

from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio


async def test_broadcast_reaches_the_plenary_and_a_room(connect: Connect, small: SmallConvening) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    await move_to_room(small, "james", 1)
    await james.expect("space.entered")
    await jordan.send("broadcast.send", text="Breakouts close in 5 minutes.")
    for client in (jordan, maria, james):
        notice = await client.expect("broadcast")
        assert notice["text"] == "Breakouts close in 5 minutes."
        assert notice["from"] == {"participant_id": small.pid("jordan"), "name": "Jordan Ellis"}
        assert notice["at"]


@pytest.mark.parametrize("who", ["maria", "angela"])
async def test_participants_and_presenters_cannot_broadcast(connect: Connect, who: str) -> None:
    jordan, sender = await connect("jordan"), await connect(who)
    await sender.send("broadcast.send", id="b1", text="Everybody look at me")
    assert (await sender.expect_error("forbidden"))["ref"] == "b1"
    await jordan.barrier()
    assert not jordan.take("broadcast")


async def test_other_convenings_do_not_hear_it(connect: Connect, small: SmallConvening) -> None:
    outsider = await connect("outsider", slug="other-meeting")
    jordan = await connect("jordan")
    await jordan.send("broadcast.send", text="Only for the roundtable")
    await jordan.expect("broadcast")
    await outsider.barrier()
    assert not outsider.take("broadcast")
