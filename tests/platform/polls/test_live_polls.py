"""Polls through the real consumer: a moderator asks, people vote where they are, moderators
see results live, everyone once shared; room polls add up per room; bad polls are refused."""
from __future__ import annotations

import pytest

from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import CommClient, move_to_room

pytestmark = pytest.mark.asyncio
CHOICES = ["Professional learning", "Parent engagement", "Device equity"]


async def _ask(jordan: CommClient, **fields: object) -> dict:
    poll = {"question": "Which part of the plan needs most help?", "kind": "single", "options": CHOICES,
            "scope": "plenary"} | fields
    await jordan.send("poll.ask", id="ask", **poll)
    await jordan.expect("ack", lambda m: m["ref"] == "ask")
    return (await jordan.expect("poll.opened"))["poll"]


async def _results(client: CommClient, poll_id: int, counts: list[int], **more: object) -> dict:
    """Results as they settle (updates may be combined or arrive in any order: the newest counts)."""
    def settled(m: dict) -> bool:
        return m["poll_id"] == poll_id and m["total"]["counts"] == counts and all(m[k] == v for k, v in more.items())
    return await client.expect("poll.results", settled)


async def _no_results(*clients: CommClient) -> None:
    for client in clients:
        await client.barrier()
        assert not client.take("poll.results"), "results reached someone before they were shared"


async def test_plenary_poll_live_to_moderators_then_shared(connect: Connect, small: SmallConvening) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    poll = await _ask(jordan)
    assert (poll["kind"], poll["scope"], poll["state"], poll["options"]) == ("single", "plenary", "open", CHOICES)
    assert poll["asked_by"] == {"participant_id": small.pid("jordan"), "name": "Jordan Ellis"}
    for person in (maria, james):
        assert (await person.expect("poll.opened"))["poll"]["id"] == poll["id"]

    await maria.send("poll.vote", id="v1", poll_id=poll["id"], choices=[1])
    await maria.expect("ack", lambda m: m["ref"] == "v1")
    assert (await maria.expect("poll.voted")) == {"type": "poll.voted", "poll_id": poll["id"], "choices": [1]}
    live = await _results(jordan, poll["id"], [0, 1, 0], shared=False)
    assert live["total"]["voters"] == 1 and live["rooms"] == []
    await maria.send("poll.vote", id="v2", poll_id=poll["id"], choices=[2])  # a change of mind
    await maria.expect("ack", lambda m: m["ref"] == "v2")
    await _results(jordan, poll["id"], [0, 0, 1])
    await _no_results(maria, james)

    await jordan.send("poll.share", id="s", poll_id=poll["id"])
    await jordan.expect("ack", lambda m: m["ref"] == "s")
    for person in (maria, james, jordan):
        await _results(person, poll["id"], [0, 0, 1], shared=True)
    await james.send("poll.vote", poll_id=poll["id"], choices=[2])
    for person in (maria, jordan):
        shared = await _results(person, poll["id"], [0, 0, 2], shared=True)
        assert shared["total"]["voters"] == 2

    await jordan.send("poll.close", id="c", poll_id=poll["id"])
    await jordan.expect("ack", lambda m: m["ref"] == "c")
    closed = await maria.expect("poll.closed")
    assert closed["results"]["total"]["counts"] == [0, 0, 2] and closed["by"]["name"] == "Jordan Ellis"
    await james.send("poll.vote", id="late", poll_id=poll["id"], choices=[0])
    late = await james.expect_error("illegal_transition")
    assert late["ref"] == "late" and "closed" in late["message"]


async def test_poll_in_every_room_adds_up_per_room(connect: Connect, small: SmallConvening) -> None:
    jordan, maria, james, aisha, angela = [await connect(n) for n in ("jordan", "maria", "james", "aisha", "angela")]
    first = await move_to_room(small, "maria", 0)
    await move_to_room(small, "james", 0)
    second = await move_to_room(small, "aisha", 1)
    for person in (maria, james, aisha):
        await person.expect("space.entered")
    poll = await _ask(jordan, question="How ready is your team to start?", kind="scale", options=[], scope="rooms")
    assert poll["options"] == ["1", "2", "3", "4", "5"]
    for person in (maria, james, aisha, angela):
        await person.expect("poll.opened")
    for person, choice in ((maria, 4), (james, 2), (aisha, 4)):
        await person.send("poll.vote", id="v", poll_id=poll["id"], choices=[choice])
        await person.expect("ack", lambda m: m["ref"] == "v")
    results = await _results(jordan, poll["id"], [0, 0, 1, 0, 2])
    assert results["total"] == {"counts": [0, 0, 1, 0, 2], "voters": 3, "mean": 4.3}
    rooms = {room["space"]: room for room in results["rooms"]}
    assert set(rooms) == {first, second}
    assert (rooms[first]["counts"], rooms[first]["voters"], rooms[first]["mean"]) == ([0, 0, 1, 0, 1], 2, 4.0)
    assert (rooms[second]["counts"], rooms[second]["mean"]) == ([0, 0, 0, 0, 1], 5.0)
    assert rooms[first]["name"]
    # Angela is in the plenary: a room poll is not hers to answer.
    await angela.send("poll.vote", id="out", poll_id=poll["id"], choices=[0])
    refused = await angela.expect_error("forbidden")
    assert refused["ref"] == "out" and "breakout rooms" in refused["message"]
    await _no_results(maria, james, aisha, angela)


async def test_a_room_poll_closes_with_the_rooms_and_keeps_its_results(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await move_to_room(small, "maria", 0)
    await maria.expect("space.entered")
    poll = await _ask(jordan, question="Ready?", kind="single", options=["Yes", "No"], scope="rooms")
    await maria.expect("poll.opened")
    await maria.send("poll.vote", id="v", poll_id=poll["id"], choices=[0])
    await maria.expect("ack", lambda m: m["ref"] == "v")

    await jordan.send("breakout.close", id="end")  # "End now": every room closes at once
    await jordan.expect("ack", lambda m: m["ref"] == "end")
    for person in (jordan, maria):  # nobody is left in a room to answer it
        await person.expect("poll.closed", lambda m: m["poll_id"] == poll["id"])
    await maria.send("poll.vote", id="late", poll_id=poll["id"], choices=[1])
    assert (await maria.expect_error("illegal_transition"))["ref"] == "late"
    await jordan.send("poll.sync", id="s")  # what a moderator reconnecting sees: the results kept
    synced = await jordan.expect("poll.state")
    kept = next(view for view in synced["polls"] if view["poll"]["id"] == poll["id"])
    assert kept["poll"]["state"] == "closed" and kept["results"]["total"]["counts"] == [1, 0]


async def test_participants_cannot_ask_close_or_share(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("poll.ask", id="a", question="Lunch?", kind="single", options=["Yes", "No"], scope="plenary")
    assert (await maria.expect_error("forbidden"))["ref"] == "a"
    poll = await _ask(jordan)
    for kind, fields in (("poll.close", {}), ("poll.share", {"shared": True})):
        await maria.send(kind, id="x", poll_id=poll["id"], **fields)
        assert (await maria.expect_error("forbidden"))["ref"] == "x"
    await jordan.send("poll.sync", id="k")
    assert (await jordan.expect("poll.state"))["polls"][0]["poll"]["state"] == "open"


BAD_POLLS = [
    ({"question": "x" * 301}, "invalid_message"),
    ({"question": "   "}, "invalid_message"),
    ({"options": [f"Option {n}" for n in range(11)]}, "invalid_message"),
    ({"options": ["Only one"]}, "invalid_message"),
    ({"options": ["Yes", " yes "]}, "invalid_message"),
    ({"options": ["Yes", "y" * 121]}, "invalid_message"),
    ({"kind": "ranking"}, "invalid_message"),
    ({"scope": "rooms"}, "illegal_transition"),  # no room is open
]


async def test_malformed_and_oversized_polls_and_votes_are_refused(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    good = {"question": "Which first?", "kind": "single", "options": ["Yes", "No"], "scope": "plenary"}
    for n, (bad, code) in enumerate(BAD_POLLS):
        await jordan.send("poll.ask", id=f"b{n}", **(good | bad))
        assert (await jordan.expect_error(code))["ref"] == f"b{n}", bad
    await jordan.barrier()
    assert not jordan.take("poll.opened")
    poll = await _ask(jordan)
    await jordan.send("poll.ask", id="second", **good)  # one poll at a time
    assert "open already" in (await jordan.expect_error("illegal_transition"))["message"]
    for n, (choices, code) in enumerate((([0, 1], "invalid_message"), ([3], "invalid_message"),
                                         ([], "invalid_message"), ([0, 0], "invalid_message"),
                                         (["0"], "invalid_message"))):
        await maria.send("poll.vote", id=f"v{n}", poll_id=poll["id"], choices=choices)
        assert (await maria.expect_error(code))["ref"] == f"v{n}", choices
    await maria.send("poll.vote", id="gone", poll_id=poll["id"] + 999, choices=[0])
    assert (await maria.expect_error("not_found"))["ref"] == "gone"
    await jordan.barrier()
    assert all(m["total"]["voters"] == 0 for m in jordan.take("poll.results")), "a refused vote was counted"


async def test_reconnecting_shows_the_open_poll_and_your_vote(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    poll = await _ask(jordan, kind="multiple")
    await maria.send("poll.vote", id="v", poll_id=poll["id"], choices=[2, 0])
    await maria.expect("ack", lambda m: m["ref"] == "v")
    await maria.close()
    again = await connect("maria")
    await again.send("poll.sync", id="k")
    state = await again.expect("poll.state")
    assert state["ref"] == "k"
    [view] = state["polls"]
    assert (view["poll"]["id"], view["your_choices"], view["results"]) == (poll["id"], [0, 2], None)
    await jordan.send("poll.sync")
    [mine] = (await jordan.expect("poll.state"))["polls"]
    assert mine["results"]["total"]["counts"] == [1, 0, 1] and mine["your_choices"] == []
