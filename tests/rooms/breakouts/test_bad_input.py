"""Bad requests are refused with a precise code and change nothing: unknown rooms and people,
illegal transitions of the rooms' state machine, wrong states."""
from __future__ import annotations

import pytest

from rooms.breakout_models import LiveBreakoutState
from rooms.breakouts import drafts
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession, signed_in

pytestmark = pytest.mark.asyncio


async def _refused(client, message: dict, code: str, ref: str) -> dict:  # noqa: ANN001
    await client.send(**message, id=ref)
    error = await client.expect("error", lambda m: m["ref"] == ref)
    assert error["code"] == code, (message, error)
    return error


async def test_unknown_rooms_people_and_wrong_states(opened: Opened, session: BreakoutSession,
                                                     settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_BURST = 1000
    clients = await opened()
    jordan, maria = clients["jordan"], clients["maria"]
    nowhere, pe = f"s{session.id}-nowhere", session.room_of_topic(PARENT)
    james = session.small.pid("james")
    version = await db(lambda: LiveBreakoutState.objects.get(convening_id=session.small.convening.pk).version)()
    cases = [
        ({"type": "breakout.move", "participant_id": james, "room": nowhere}, "not_found"),
        ({"type": "breakout.visit", "room": nowhere}, "not_found"),
        ({"type": "breakout.close", "room": nowhere}, "not_found"),
        ({"type": "breakout.broadcast", "text": "hi", "room": nowhere}, "not_found"),
        ({"type": "breakout.move", "participant_id": 10**6, "room": pe}, "not_found"),
        ({"type": "breakout.move", "participant_id": james, "room": "bad key!"}, "invalid_message"),
        ({"type": "breakout.open", "session_id": session.id, "duration_s": 60}, "illegal_transition"),
        ({"type": "breakout.reopen", "duration_s": 60}, "illegal_transition"),
        ({"type": "breakout.open", "session_id": session.id, "duration_s": 0}, "invalid_message"),
        ({"type": "breakout.timer", "op": "extend", "seconds": -5}, "invalid_message"),
        ({"type": "notes.edit", "room": nowhere, "base_version": 0, "text": "x"}, "not_found"),
        ({"type": "room.sync", "room": nowhere}, "not_found"),
    ]
    for n, (message, code) in enumerate(cases):
        await _refused(jordan, message, code, f"j{n}")
    await _refused(maria, {"type": "breakout.choose", "room": nowhere}, "forbidden", "m1")  # rooms are assigned
    error = await _refused(jordan, {"type": "breakout.open", "session_id": session.id, "duration_s": 60},
                           "illegal_transition", "again")
    assert "open" in error["message"] and "state=" in error["message"]
    assert await db(lambda: LiveBreakoutState.objects.get(convening_id=session.small.convening.pk).version)() == version

    # One room closed: it cannot be closed again, entered, or used for a swap.
    pl = session.room_of_topic(LEARNING)
    await jordan.send("breakout.close", room=pl)
    await clients["james"].expect("breakout.returned")
    error = await _refused(jordan, {"type": "breakout.close", "room": pl}, "illegal_transition", "c1")
    assert "closed" in error["message"] and "close" in error["message"]
    await _refused(jordan, {"type": "breakout.move", "participant_id": james, "room": pl}, "room_not_open", "c2")
    await _refused(jordan, {"type": "breakout.visit", "room": pl}, "room_not_open", "c3")
    await _refused(jordan, {"type": "breakout.swap", "participant_id": session.small.pid("maria"),
                            "other_participant_id": james}, "not_in_room", "c4")
    # All closed: no timer, no countdown, no second close; reopening works again.
    await jordan.send("breakout.close")
    await maria.expect("breakout.returned")
    await _refused(jordan, {"type": "breakout.timer", "op": "extend", "seconds": 60}, "room_not_open", "d1")
    await _refused(jordan, {"type": "breakout.close", "countdown": True}, "room_not_open", "d2")
    await _refused(jordan, {"type": "breakout.close"}, "illegal_transition", "d3")
    await _refused(jordan, {"type": "breakout.mode", "mode": "self_select"}, "room_not_open", "d4")
    await jordan.send("breakout.reopen", duration_s=60)
    assert (await maria.expect("breakout.assigned"))["room"]["key"] == pe


async def test_reshuffle_plans_anew_and_reopens(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan = clients["jordan"]
    await jordan.send("breakout.close")
    await clients["maria"].expect("breakout.returned")
    await jordan.send("breakout.reopen", duration_s=60, reshuffle=True)
    reshuffled = await jordan.expect("breakout.plan_ready", lambda m: m["version"] == 2)
    planned = {member: room["key"] for room in reshuffled["rooms"] for member in room["members"]}
    for name in ("maria", "james", "aisha"):
        assigned = await clients[name].expect("breakout.assigned")
        assert assigned["room"]["key"] == planned[session.small.pid(name)], name  # the new plan's room


async def test_an_imported_plan_is_not_reshuffled_away(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria = clients["jordan"], clients["maria"]
    await jordan.send("breakout.close")
    await maria.expect("breakout.returned")
    small = session.small
    csv_text = ("room,topic,participant id,participant name\n"
                + "".join(f"Everyone,,{small.pid(name)},\n" for name in ("maria", "james", "aisha")))
    imported = await db(lambda: signed_in(small, "olivia").post(
        f"/c/{small.convening.slug}/sessions/{session.id}/breakouts.csv", data=csv_text, content_type="text/csv"))()
    assert imported.status_code == 200
    await jordan.expect("breakout.plan_ready", lambda m: m["version"] == 2)
    error = await _refused(jordan, {"type": "breakout.reopen", "duration_s": 60, "reshuffle": True}, "not_found", "r")
    assert "imported" in error["message"] and "reshuffled" in error["message"]
    assert (await db(drafts.load)(session.id)).version == 2  # the imported plan is still there
    await jordan.send("breakout.reopen", duration_s=60)  # as it is: everyone in the imported room
    room = (await maria.expect("breakout.assigned"))["room"]
    assert room["name"] == "Everyone"
