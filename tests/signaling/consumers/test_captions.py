"""Live captions by a person: a moderator chooses the captioner of a space; what they type
reaches everyone in that space — and nobody in the plenary or another room."""
from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from captions.models import CaptionLine
from convenings.models import Session
from rooms.actions import captions as actions
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import CommClient, move_to_room

pytestmark = pytest.mark.asyncio


async def _room_with_captioner(connect: Connect, small: SmallConvening):  # noqa: ANN202
    """Jordan (moderator, plenary) makes Maria the captioner of the room she and James are in;
    Aisha is in the other room, Angela in the plenary."""
    jordan, maria, james, aisha, angela = [await connect(n) for n in ("jordan", "maria", "james", "aisha", "angela")]
    room = await move_to_room(small, "maria", 0)
    await move_to_room(small, "james", 0)
    await move_to_room(small, "aisha", 1)
    for client in (maria, james, aisha):
        await client.expect("space.entered")
    await jordan.send("captions.assign", id="a1", space=room, participant_id=small.pid("maria"))
    await jordan.expect("ack", lambda m: m["ref"] == "a1")
    for client in (maria, james):
        assigned = await client.expect("captions.assigned")
        assert assigned["space"] == room
        assert assigned["captioner"] == {"participant_id": small.pid("maria"), "name": "Maria Garcia"}
        assert assigned["by"]["name"] == "Jordan Ellis"
    return room, jordan, maria, james, aisha, angela


async def _quiet(*clients: CommClient) -> None:
    for client in clients:
        await client.barrier()
        assert not client.take("captions.caption"), "captions leaked out of their space"


async def test_partial_then_final_reaches_the_room_only(connect: Connect, small: SmallConvening) -> None:
    room, jordan, maria, james, aisha, angela = await _room_with_captioner(connect, small)
    await maria.send("captions.line", text="Our attendance", final=False)
    partial = await james.expect("captions.caption")
    assert (partial["space"], partial["text"], partial["final"], partial["source"]) == (
        room, "Our attendance", False, "person")
    assert partial["by"] == {"participant_id": small.pid("maria"), "name": "Maria Garcia"}
    await maria.send("captions.line", text="Our attendance team meets weekly.", final=True)
    final = await james.expect("captions.caption", lambda m: m["final"])
    assert final["id"] == partial["id"], "the final line replaces the partial one in place"
    assert final["text"] == "Our attendance team meets weekly."
    await maria.expect("captions.caption", lambda m: m["final"])  # the captioner sees it too
    await _quiet(jordan, aisha, angela)


async def test_only_the_captioner_may_caption(connect: Connect, small: SmallConvening) -> None:
    room, jordan, maria, james, aisha, angela = await _room_with_captioner(connect, small)
    await james.send("captions.line", id="l1", text="Not my job", final=True)
    assert (await james.expect_error("forbidden"))["ref"] == "l1"
    await aisha.send("captions.line", id="l2", text="Nor mine", final=True)  # another room, no captioner
    assert (await aisha.expect_error("forbidden"))["ref"] == "l2"
    await _quiet(maria, james)


async def test_participants_cannot_assign(connect: Connect, small: SmallConvening) -> None:
    maria, james = await connect("maria"), await connect("james")
    await maria.send("captions.assign", id="x", space="plenary", participant_id=small.pid("maria"))
    assert (await maria.expect_error("forbidden"))["ref"] == "x"
    await james.barrier()
    assert not james.take("captions.assigned")


async def test_lines_are_bounded(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await jordan.send("captions.assign", space="plenary", participant_id=small.pid("jordan"))
    await jordan.expect("captions.assigned")
    await jordan.send("captions.line", id="long", text="x" * 501, final=False)
    assert (await jordan.expect_error("invalid_message"))["ref"] == "long"
    await jordan.send("captions.line", id="empty", text="   ", final=True)
    assert (await jordan.expect_error("invalid_message"))["ref"] == "empty"
    for n in range(30):  # far faster than anyone types: the connection's rate limit applies
        await jordan.send("captions.line", text=f"word {n}", final=False)
    await jordan.expect_error("rate_limited")


async def test_entering_a_room_shows_its_captioner_and_recent_lines(connect: Connect, small: SmallConvening) -> None:
    room, jordan, maria, james, aisha, angela = await _room_with_captioner(connect, small)
    for n in range(3):
        await maria.send("captions.line", text=f"Line {n}.", final=True)
        await james.expect("captions.caption", lambda m, n=n: m["text"] == f"Line {n}.")
    await maria.send("captions.line", text="half a sen", final=False)  # not finished: not history
    await james.expect("captions.caption", lambda m: not m["final"])
    await move_to_room(small, "aisha", 0)
    await aisha.expect("space.entered", lambda m: m["space"] == room)
    await aisha.send("captions.sync", id="k1")
    history = await aisha.expect("captions.history")
    assert history["ref"] == "k1" and history["space"] == room
    assert history["captioner"]["name"] == "Maria Garcia"
    assert [line["text"] for line in history["lines"]] == ["Line 0.", "Line 1.", "Line 2."]
    await angela.send("captions.sync", id="k2", space=room)  # a presenter may not look into rooms
    assert (await angela.expect_error("forbidden"))["ref"] == "k2"


async def test_history_is_bounded(connect: Connect, small: SmallConvening) -> None:
    def many() -> None:
        now = timezone.now()
        CaptionLine.objects.bulk_create(
            CaptionLine(convening=small.convening, space="plenary", text=f"line {n}", final=True,
                        started_at=now + dt.timedelta(seconds=n), ended_at=now + dt.timedelta(seconds=n))
            for n in range(80))

    await database_sync_to_async(many)()
    maria = await connect("maria")
    await maria.send("captions.sync")
    lines = (await maria.expect("captions.history"))["lines"]
    assert len(lines) == 50 and lines[0]["text"] == "line 30" and lines[-1]["text"] == "line 79"


async def test_final_lines_are_kept_with_session_and_space(connect: Connect, small: SmallConvening) -> None:
    def a_session_now() -> Session:
        now = timezone.now()
        return Session.objects.create(convening=small.convening, title="Opening plenary", kind="plenary",
                                      starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=1))

    session = await database_sync_to_async(a_session_now)()
    room, jordan, maria, james, aisha, angela = await _room_with_captioner(connect, small)
    await maria.send("captions.line", text="Welcome", final=False)
    await maria.send("captions.line", text="Welcome to  the\nroom.", final=True)
    await james.expect("captions.caption", lambda m: m["final"])
    rows = await database_sync_to_async(lambda: list(CaptionLine.objects.filter(convening=small.convening)
                                                     .values("session_id", "space", "text", "final", "source",
                                                             "captioner_id", "started_at", "ended_at")))()
    assert len(rows) == 1
    row = rows[0]
    assert (row["session_id"], row["space"], row["text"], row["final"], row["source"], row["captioner_id"]) == (
        session.pk, room, "Welcome to the room.", True, "person", small.pid("maria"))
    assert row["started_at"] <= row["ended_at"]


async def test_reassigning_moves_the_captioning(connect: Connect, small: SmallConvening) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    await jordan.send("captions.assign", space="plenary", participant_id=small.pid("maria"))
    await maria.expect("captions.assigned")
    await maria.send("captions.line", text="unfinish", final=False)
    await james.expect("captions.caption")
    await jordan.send("captions.assign", space="plenary", participant_id=small.pid("james"))
    assigned = await maria.expect("captions.assigned", lambda m: m["captioner"]["name"] == "James Nguyen")
    assert assigned["space"] == "plenary"
    await maria.send("captions.line", id="m", text="still me?", final=True)
    assert (await maria.expect_error("forbidden"))["ref"] == "m"
    await james.send("captions.line", text="James now.", final=True)
    line = await maria.expect("captions.caption", lambda m: m["final"])
    assert line["by"]["name"] == "James Nguyen" and line["text"] == "James now."
    await jordan.send("captions.assign", space="plenary", participant_id=None)
    assert (await james.expect("captions.assigned", lambda m: m["captioner"] is None))["space"] == "plenary"
    kept = await database_sync_to_async(lambda: list(CaptionLine.objects.values_list("text", flat=True)))()
    assert kept == ["James now."], "the line Maria never finished is not kept"


async def test_assigning_someone_unknown_is_not_found(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await jordan.send("captions.assign", id="u", space="plenary", participant_id=small.outsider.pk)
    assert (await jordan.expect_error("not_found"))["ref"] == "u"
    await jordan.send("captions.assign", id="v", space="no-such-room", participant_id=small.pid("maria"))
    assert (await jordan.expect_error("not_found"))["ref"] == "v"


async def test_automatic_captions_give_way_to_a_person(connect: Connect, small: SmallConvening) -> None:
    maria = await connect("maria")
    cid = small.convening.pk
    shown = await database_sync_to_async(actions.automatic_line)(cid, "plenary", "hello from the engine", True)
    assert shown is not None and shown.source == "automatic" and shown.by is None
    caption = await maria.expect("captions.caption")
    assert caption["source"] == "automatic"
    jordan_person = actions.Person(participant_id=small.pid("jordan"), name="Jordan Ellis")
    await database_sync_to_async(actions.assign)(cid, "plenary", small.pid("angela"), jordan_person)
    assert await database_sync_to_async(actions.automatic_line)(cid, "plenary", "ignored", True) is None
    await maria.barrier()
    assert not maria.take("captions.caption")
