"""Calling for help from a room: moderators see the queue with the room; a visit answers it."""
from __future__ import annotations

import pytest

from tests.breakouts.conftest import Opened
from tests.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.plenary.conftest import Connect

pytestmark = pytest.mark.asyncio


async def test_help_request_reaches_moderators_and_a_visit_resolves_it(opened: Opened,
                                                                       session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, james = clients["jordan"], clients["maria"], clients["james"]
    pe = session.room_of_topic(PARENT)
    await maria.send("help.request")
    assert (await maria.expect("help.status")) == {"type": "help.status", "waiting": True, "room": pe,
                                                   "resolved_by": None}
    queue = await jordan.expect("help.queue")
    assert [(r["participant_id"], r["room"], r["room_name"]) for r in queue["requests"]] == [
        (session.small.pid("maria"), pe, PARENT)]
    staff_state = await jordan.expect("breakout.state", lambda m: m["help_queue"])
    assert staff_state["help_queue"][0]["name"] == "Maria Garcia"
    await james.barrier()
    assert james.take("help.queue") == [] and all(s["help_queue"] is None for s in james.take("breakout.state"))

    await jordan.send("breakout.visit", room=pe)
    resolved = await maria.expect("help.status", lambda m: not m["waiting"])
    assert resolved["resolved_by"]["participant_id"] == session.small.pid("jordan")
    assert (await jordan.expect("help.queue", lambda m: m["requests"] == []))


async def test_withdrawing_and_leaving_the_room_take_the_call_back(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria = clients["jordan"], clients["maria"]
    await maria.send("help.request")
    await jordan.expect("help.queue", lambda m: m["requests"])
    await maria.send("help.withdraw")
    await jordan.expect("help.queue", lambda m: m["requests"] == [])
    await maria.send("help.withdraw", id="again")
    assert (await maria.expect_error("not_found"))["ref"] == "again"
    await maria.send("help.request")
    await jordan.expect("help.queue", lambda m: m["requests"])
    await jordan.send("breakout.move", participant_id=session.small.pid("maria"), room=session.room_of_topic(LEARNING))
    await jordan.expect("help.queue", lambda m: m["requests"] == [])  # asked in a room she left


async def test_help_is_asked_from_a_room(connect: Connect, session: BreakoutSession) -> None:
    maria = await connect("maria")
    await maria.send("help.request", id="h")
    assert (await maria.expect_error("not_in_room"))["ref"] == "h"
