"""Moving people sends what changed, and entering a room brings what it holds (issue 15, item 1)."""
from __future__ import annotations

import pytest

from tests.rooms.breakouts.conftest import Opened
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio


async def test_entering_a_room_brings_its_notes_and_top_five(opened: Opened, session: BreakoutSession,
                                                             connect: Connect) -> None:
    clients = await opened()
    jordan, maria, james = clients["jordan"], clients["maria"], clients["james"]
    pl = session.room_of_topic(LEARNING)
    await james.send("notes.edit", room=pl, base_version=0, text="Coaching cycles\n")
    await james.expect("notes.updated", lambda m: m["version"] == 1)
    await james.send("actions.set", room=pl, items=["Peer observation"])
    await james.expect("room.action_items")
    await jordan.send("breakout.move", participant_id=session.small.pid("maria"), room=pl)
    entered = await maria.expect("space.entered", lambda m: m["space"] == pl)
    work = entered["room_work"]  # no room.sync round trip needed
    assert (work["notes"]["version"], work["notes"]["text"], work["notes"]["by"]["name"]) == (
        1, "Coaching cycles\n", "James Nguyen")
    assert [i["text"] for i in work["action_items"]] == ["Peer observation"]
    second = await connect("james")  # a new tab opens straight into the room, with its work
    assert second.welcome["space"] == pl
    assert second.welcome["room_work"]["notes"]["text"] == "Coaching cycles\n"
    assert jordan.welcome["room_work"] is None  # the plenary holds no notes


async def test_a_client_that_missed_a_change_gets_the_whole_state(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, aisha = clients["jordan"], clients["aisha"]
    pe, pl = session.room_of_topic(PARENT), session.room_of_topic(LEARNING)
    await jordan.send("breakout.move", participant_id=session.small.pid("maria"), room=pl)
    changed = await aisha.expect("breakout.changed", lambda m: m["version"] >= 2)
    await aisha.send("breakout.resync", id="r")
    state = await aisha.expect("breakout.state", lambda m: m["version"] == changed["version"])
    assert state["help_queue"] is None
    members = {r["key"]: r["members"] for r in state["rooms"]}
    assert members.keys() == {pe, pl} and session.small.pid("maria") in members[pl]
    await jordan.send("breakout.resync")
    staff = await jordan.expect("breakout.state", lambda m: m["version"] == changed["version"])
    assert staff["help_queue"] == []  # moderators' copy
