"""Calling for help from a room: moderators see the queue with the room; a visit answers it."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rooms import live as core
from rooms.actions.breakout_changes import Step, change
from rooms.breakouts import store
from rooms.breakouts.store import Live
from tests.rooms.breakouts.conftest import Opened, db, plan
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

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


async def _moderator_in_parent_room(opened: Opened, session: BreakoutSession) -> tuple[Any, Any, str]:
    """Rooms open; Jordan (moderator) visits the Parent Engagement room, where Maria is."""
    clients = await opened()
    jordan, maria = clients["jordan"], clients["maria"]
    pe = session.room_of_topic(PARENT)
    await jordan.send("breakout.visit", room=pe)
    await jordan.expect("space.entered", lambda m: m["space"] == pe)
    return jordan, maria, pe


async def test_a_call_from_a_room_a_moderator_is_in_is_answered_at_once(opened: Opened,
                                                                       session: BreakoutSession) -> None:
    jordan, maria, pe = await _moderator_in_parent_room(opened, session)
    await maria.send("help.request")
    assert (await maria.expect("help.status"))["waiting"] is True
    answered = await maria.expect("help.status", lambda m: not m["waiting"])
    assert (answered["room"], answered["resolved_by"]["participant_id"]) == (pe, session.small.pid("jordan"))
    await jordan.barrier()
    assert all(q["requests"] == [] for q in jordan.take("help.queue"))  # never waiting in the queue
    live = await db(store.load)(session.small.convening.pk)
    assert live.state.help_queue == ()


def _queue_call_unanswered(convening_id: int, person: int) -> None:
    """A call that stayed queued in the room its moderator is visiting (e.g. queued by an older worker)."""
    def operate(live: Live, now: float) -> Step:
        state, effects = core.request_help(live.state, person, now)
        return Step(replace(live, state=state), effects)
    change(convening_id, operate)


async def test_join_room_answers_calls_even_when_the_moderator_is_already_there(opened: Opened,
                                                                              session: BreakoutSession) -> None:
    jordan, maria, pe = await _moderator_in_parent_room(opened, session)
    await db(_queue_call_unanswered)(session.small.convening.pk, session.small.pid("maria"))
    await jordan.expect("help.queue", lambda m: m["requests"])
    await jordan.send("breakout.visit", room=pe)  # "Join room" in the help queue
    resolved = await maria.expect("help.status", lambda m: not m["waiting"])
    assert resolved["resolved_by"]["participant_id"] == session.small.pid("jordan")
    await jordan.expect("help.queue", lambda m: m["requests"] == [])
    live = await db(store.load)(session.small.convening.pk)
    assert live.visits == {session.small.pid("jordan"): pe}  # still visiting, once


async def test_a_moderator_placed_in_the_room_answers_its_calls(connect: Connect, session: BreakoutSession) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await plan(jordan, session, room_count=1, exclude_roles=["organizer", "presenter"])  # the moderator sits in
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    await maria.expect("breakout.assigned")
    await maria.send("help.request")
    answered = await maria.expect("help.status", lambda m: not m["waiting"])
    assert answered["resolved_by"]["participant_id"] == session.small.pid("jordan")
