"""Moving people while rooms are open: told at once, their connection follows, history kept."""
from __future__ import annotations

import pytest

from rooms.breakout_models import RoomAssignment
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession

pytestmark = pytest.mark.asyncio


def _stays(convening_id: int, participant_id: int) -> list[tuple]:
    rows = RoomAssignment.objects.filter(convening_id=convening_id, participant_id=participant_id).order_by("id")
    return [(r.room_name, r.reason, r.left_reason, r.left_at is None) for r in rows]


async def test_a_moved_person_is_told_at_once_and_chats_in_the_new_room(opened: Opened,
                                                                        session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, james, aisha = (clients[n] for n in ("jordan", "maria", "james", "aisha"))
    pl = session.room_of_topic(LEARNING)
    await james.expect("space.entered")
    await jordan.send("breakout.move", participant_id=session.small.pid("maria"), room=pl)
    told = await maria.expect("breakout.assigned", lambda m: m["room"]["key"] == pl)
    assert told["room"]["topic"] == LEARNING
    assert (await maria.expect("space.entered", lambda m: m["space"] == pl))["chat"] == []
    await jordan.expect("presence.changed", lambda m: m["participant"]["participant_id"] == session.small.pid("maria")
                        and m["participant"]["space"] == pl)  # the roster shows where people are
    # Everyone hears what changed: the two rooms the move touched, not every room's members.
    changed = await aisha.expect("breakout.changed", lambda m: m["version"] >= 2)
    assert changed["base_version"] == changed["version"] - 1
    members = {r["key"]: r["members"] for r in changed["rooms"]}
    assert members.keys() == {pl, session.room_of_topic(PARENT)}
    assert session.small.pid("maria") in members[pl] and session.small.pid("maria") not in members[
        session.room_of_topic(PARENT)]
    await maria.send("chat.send", text="Hello from my new room")
    assert (await james.expect("chat.message"))["space"] == pl
    await aisha.barrier()
    assert aisha.take("chat.message") == []
    assert await db(_stays)(session.small.convening.pk, session.small.pid("maria")) == [
        (PARENT, "opened", "moved", False), (LEARNING, "moved", "", True)]


async def test_swap_and_recall(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, james = clients["jordan"], clients["maria"], clients["james"]
    pe, pl = session.room_of_topic(PARENT), session.room_of_topic(LEARNING)
    await jordan.send("breakout.swap", participant_id=session.small.pid("maria"),
                      other_participant_id=session.small.pid("james"))
    assert (await maria.expect("breakout.assigned", lambda m: m["room"]["key"] == pl))
    assert (await james.expect("breakout.assigned", lambda m: m["room"]["key"] == pe))
    await jordan.send("breakout.recall", participant_id=session.small.pid("james"))
    assert (await james.expect("breakout.returned"))["reason"] == "recalled"
    assert (await james.expect("space.entered", lambda m: m["space"] == "plenary"))
    stays = await db(_stays)(session.small.convening.pk, session.small.pid("james"))
    assert [s[1:3] for s in stays] == [("opened", "swapped"), ("swapped", "recalled")]


async def test_a_second_tab_follows_too(opened: Opened, session: BreakoutSession, connect) -> None:  # noqa: ANN001
    clients = await opened()
    second = await connect("maria")
    assert second.welcome["space"] == session.room_of_topic(PARENT)  # joins straight into the room
    assert second.welcome["breakouts"]["rooms"][0]["state"] == "open"
    pl = session.room_of_topic(LEARNING)
    await clients["jordan"].send("breakout.move", participant_id=session.small.pid("maria"), room=pl)
    for tab in (clients["maria"], second):
        await tab.expect("breakout.assigned", lambda m: m["room"]["key"] == pl)
        await tab.expect("space.entered", lambda m: m["space"] == pl)
