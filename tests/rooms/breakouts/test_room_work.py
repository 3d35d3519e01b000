"""Inside a room: shared notes that never lose an edit, and the room's Top 5 action items,
which the plenary sees when rooms close and the report keeps."""
from __future__ import annotations

import pytest

from reports.sources import breakout_rooms
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession

pytestmark = pytest.mark.asyncio


async def test_concurrent_note_edits_merge_or_conflict_never_overwrite(opened: Opened,
                                                                        session: BreakoutSession) -> None:
    clients = await opened()
    maria, aisha = clients["maria"], clients["aisha"]
    pe = session.room_of_topic(PARENT)
    await maria.send("notes.edit", room=pe, base_version=0, text="Ideas\n- tech nights\n- hotspots\n")
    v1 = await aisha.expect("notes.updated")
    assert (v1["version"], v1["by"]["name"]) == (1, "Maria Garcia")
    # Both edit version 1: Maria the first line, Aisha adds a line at the end — merged.
    await maria.send("notes.edit", room=pe, base_version=1, text="Our ideas\n- tech nights\n- hotspots\n")
    await aisha.expect("notes.updated", lambda m: m["version"] == 2)
    await aisha.send("notes.edit", room=pe, base_version=1, text="Ideas\n- tech nights\n- hotspots\n- surveys\n")
    merged = await maria.expect("notes.updated", lambda m: m["version"] == 3)
    assert merged["text"] == "Our ideas\n- tech nights\n- hotspots\n- surveys\n"
    # Aisha edits the line Maria changed, from the old version: refused, with the current text.
    await aisha.send("notes.edit", id="late", room=pe, base_version=1, text="Best ideas\n- tech nights\n- hotspots\n")
    assert (await aisha.expect_error("notes_conflict"))["ref"] == "late"
    current = await aisha.expect("notes.updated", lambda m: m["version"] == 3)
    assert current["text"] == merged["text"]
    await maria.barrier()
    assert max(m["version"] for m in maria.take("notes.updated")) <= 3  # nothing new was saved
    await aisha.send("notes.edit", id="future", room=pe, base_version=9, text="?")
    await aisha.expect_error("notes_conflict")
    await aisha.send("room.sync", room=pe)
    assert (await aisha.expect("notes.updated", lambda m: m["version"] == 3))["text"] == merged["text"]


async def test_top_five_in_a_room_goes_to_the_plenary_and_the_report(opened: Opened,
                                                                     session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, aisha, james = (clients[n] for n in ("jordan", "maria", "aisha", "james"))
    pe = session.room_of_topic(PARENT)
    await maria.send("actions.set", room=pe, items=["Lend hotspots", "Family tech nights"])
    listed = await aisha.expect("room.action_items")
    assert [i["text"] for i in listed["items"]] == ["Lend hotspots", "Family tech nights"]
    await aisha.send("actions.update", room=pe, op="down", item_id=listed["items"][0]["id"])
    listed = await maria.expect("room.action_items", lambda m: m["items"][0]["text"] == "Family tech nights")
    await aisha.send("actions.update", room=pe, op="add", text="Survey parents", at=1)
    await maria.expect("room.action_items", lambda m: len(m["items"]) == 3)
    await maria.send("actions.update", id="bad", room=pe, op="remove", item_id=999_999)
    assert (await maria.expect_error("not_found"))["ref"] == "bad"
    await james.barrier()
    assert james.take("room.action_items") == []  # another room

    await jordan.send("breakout.close")
    summary = await james.expect("breakout.summary")
    rooms = {r["name"]: [i["text"] for i in r["items"]] for r in summary["rooms"]}
    assert rooms == {PARENT: ["Survey parents", "Family tech nights", "Lend hotspots"], LEARNING: []}

    rooms = await db(breakout_rooms)(session.small.convening)
    assert [(r.room_name, r.participant_names, r.session_id) for r in rooms] == [
        (PARENT, ["Aisha Johnson", "Maria Garcia"], session.id), (LEARNING, ["James Nguyen"], session.id)]
