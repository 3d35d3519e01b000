"""Automatic captions in the convening: a moderator turns them on for a room, the room is
told, and the engine's lines reach that room only, as ``source: "automatic"`` captions
attributed to the speaker (through rooms.actions.captions.automatic_line)."""
from __future__ import annotations

import pytest

from rooms.actions.publish import space_group
from signaling.consumers import automatic_captions
from signaling.media.hub import get_hub, new_media_id
from signaling.media.spaces import Space
from tests.signaling.consumers.conftest import Connect, connect, layer, small, transactional_db  # noqa: F401 — fixtures
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio


async def test_a_moderator_turns_a_rooms_automatic_captions_on(connect: Connect, small: SmallConvening) -> None:
    jordan, james, aisha, angela = [await connect(n) for n in ("jordan", "james", "aisha", "angela")]
    room = await move_to_room(small, "james", 0)
    await move_to_room(small, "aisha", 1)
    for client in (james, aisha):
        await client.expect("space.entered")

    await jordan.send("captions.automatic", id="c1", space=room, on=True)
    await jordan.expect("ack", lambda m: m["ref"] == "c1")
    status = await james.expect("captions.status")
    assert (status["space"], status["state"]) == (room, "on") and "may contain errors" in status["message"]
    key = space_group(small.convening.pk, room)
    assert get_hub().server.captions.captioned(Space(key, large=False))

    # What the engine heard James say reaches his room, attributed, marked automatic.
    await automatic_captions.on_line(key, new_media_id(small.pid("james")), "we will meet in small groups", True)
    caption = await james.expect("captions.caption")
    assert (caption["space"], caption["source"], caption["text"], caption["final"]) == (
        room, "automatic", "we will meet in small groups", True)
    assert caption["speaker"]["participant_id"] == small.pid("james") and caption["by"] is None
    for client in (aisha, angela):
        await client.barrier()
        assert not client.take("captions.caption") and not client.take("captions.status")

    await jordan.send("captions.automatic", id="c2", space=room, on=False)
    assert (await james.expect("captions.status"))["state"] == "off"
    assert not get_hub().server.captions.captioned(Space(key, large=False))


async def test_participants_cannot_turn_automatic_captions_on(connect: Connect, small: SmallConvening) -> None:
    james = await connect("james")
    await james.send("captions.automatic", id="x", space="plenary", on=True)
    assert (await james.expect_error("forbidden"))["ref"] == "x"
