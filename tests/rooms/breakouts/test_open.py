"""Planning and opening: everyone is told their room, topic and end time, and follows into it."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.rooms.breakouts.conftest import Opened, plan
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_plan_then_open_tells_everyone_their_room(connect: Connect, session: BreakoutSession) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    ready = await plan(jordan, session)
    rooms = {r["topic"]: r for r in ready["rooms"]}
    assert set(rooms) == {PARENT, LEARNING} and ready["version"] == 1
    assert session.small.pid("maria") in rooms[PARENT]["members"]
    assert session.small.pid("james") in rooms[LEARNING]["members"]

    await jordan.send("breakout.open", session_id=session.id, duration_s=900)
    told = await maria.expect("breakout.assigned")
    assert told["room"] == {"key": session.room_of_topic(PARENT), "name": PARENT, "topic": PARENT}
    assert 899 <= (_at(told["ends_at"]) - _at(told["now"])).total_seconds() <= 900
    entered = await maria.expect("space.entered")
    assert entered["space"] == session.room_of_topic(PARENT)
    assert (await james.expect("breakout.assigned"))["room"]["topic"] == LEARNING
    state = await maria.expect("breakout.state")
    assert state["help_queue"] is None and state["mode"] == "assigned"
    assert {r["key"]: r["state"] for r in state["rooms"]} == {
        session.room_of_topic(PARENT): "open", session.room_of_topic(LEARNING): "open"}
    staff = await jordan.expect("breakout.state")
    assert staff["help_queue"] == []


async def test_chat_in_a_room_stays_in_the_room(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    maria, aisha, james = clients["maria"], clients["aisha"], clients["james"]
    await maria.expect("space.entered")
    await aisha.expect("space.entered")
    await james.expect("space.entered")
    await maria.send("chat.send", text="Family tech nights?")
    message = await aisha.expect("chat.message")
    assert message["space"] == session.room_of_topic(PARENT) and message["seq"] == 1
    await james.barrier()
    assert not james.take("chat.message")
