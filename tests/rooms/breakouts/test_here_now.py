"""Plans from who is here, late joiners, role topics, closing with care: through the live consumer."""
from __future__ import annotations

import datetime as dt

import pytest

from convenings.models import Session, Topic
from people.models import Participant
from reports.sources import room_stays
from tests.rooms.breakouts.conftest import Opened, db, plan
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio


@db
def stays_of(session: BreakoutSession) -> dict[str, list[tuple[str, str]]]:
    stays: dict[str, list[tuple[str, str]]] = {}
    for stay in room_stays(session.small.convening):
        stays.setdefault(stay.participant.user.username, []).append((stay.room_key, stay.arrived))
    return stays


def members(state: dict, room: str) -> list[int]:
    """A room's members in a ``breakout.state`` or a ``breakout.changed`` (which lists the rooms it touched)."""
    return next((r["members"] for r in state["rooms"] if r["key"] == room), [])


async def test_a_plan_places_the_people_here_and_counts_the_absent(connect: Connect,
                                                                   session: BreakoutSession) -> None:
    jordan, _maria, _james = await connect("jordan"), await connect("maria"), await connect("james")
    small = session.small
    here = await plan(jordan, session)
    assert sorted(m for r in here["rooms"] for m in r["members"]) == sorted([small.pid("maria"), small.pid("james")])
    assert here["stats"]["placed"] == 2 and here["stats"]["absent"] == 1  # aisha is registered, not connected
    assert small.pid("aisha") not in {u["participant_id"] for u in here["unplaced"]}  # counted, not listed
    ahead = await plan(jordan, session, everyone=True)  # planning ahead: everyone registered
    assert ahead["stats"]["placed"] == 3 and ahead["stats"]["absent"] == 0


async def test_a_late_joiner_is_placed_by_the_rule_and_told_their_room(connect: Connect,
                                                                       session: BreakoutSession) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    planned = await plan(jordan, session)  # maria → Parent Engagement, james → Professional Learning
    assert session.small.pid("aisha") not in {m for r in planned["rooms"] for m in r["members"]}
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    await maria.expect("space.entered")
    await james.expect("space.entered")
    parent = session.room_of_topic(PARENT)
    aisha = await connect("aisha")  # arrives while rooms are open; wants Parent Engagement
    assert aisha.welcome["space"] == parent  # her welcome names her room: her connection is in it
    assert session.small.pid("aisha") in members(aisha.welcome["breakouts"], parent)
    state = await jordan.expect("breakout.changed", lambda m: session.small.pid("aisha") in members(m, parent))
    assert sorted(members(state, parent)) == sorted([session.small.pid("maria"), session.small.pid("aisha")])
    await maria.expect("breakout.changed", lambda m: session.small.pid("aisha") in members(m, parent))
    await aisha.send("chat.send", text="Hello room")
    assert (await maria.expect("chat.message"))["text"] == "Hello room"  # the same room's chat
    stays = await stays_of(session)
    assert stays["aisha"] == [(parent, "joined after rooms opened")]  # never "placed when rooms opened"
    assert stays["maria"] == [(parent, "placed when rooms opened")]


async def test_someone_here_after_the_plan_is_placed_when_rooms_open(connect: Connect,
                                                                     session: BreakoutSession) -> None:
    jordan, _maria = await connect("jordan"), await connect("maria")
    await plan(jordan, session)
    james = await connect("james")  # arrived between the plan and the opening
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    assigned = await james.expect("breakout.assigned")
    assert assigned["room"]["key"] == session.room_of_topic(PARENT)  # the only room: one person planned
    await james.expect("space.entered", lambda m: m["space"] == session.room_of_topic(PARENT))


async def test_late_joiners_wait_in_the_plenary_when_the_moderator_prefers(connect: Connect,
                                                                            session: BreakoutSession) -> None:
    jordan, maria, james = await connect("jordan"), await connect("maria"), await connect("james")
    await plan(jordan, session)
    await jordan.send("breakout.open", session_id=session.id, duration_s=600, late_joiners="plenary")
    opened = await jordan.expect("breakout.state", lambda m: m["rooms"] and m["rooms"][0]["state"] == "open")
    await maria.expect("space.entered")
    aisha = await connect("aisha")
    assert aisha.welcome["space"] == "plenary"
    assert all(session.small.pid("aisha") not in r["members"] for r in aisha.welcome["breakouts"]["rooms"])
    assert aisha.welcome["breakouts"]["version"] == opened["version"]  # nothing changed for anyone
    await jordan.send("breakout.move", participant_id=session.small.pid("aisha"), room=session.room_of_topic(LEARNING))
    assert (await aisha.expect("breakout.assigned"))["room"]["key"] == session.room_of_topic(LEARNING)
    del james


@db
def roundtable(session: BreakoutSession) -> Session:
    """A roundtable's breakouts by role: topics Administrators, Coaches, Technicians."""
    small = session.small
    roles = {"maria": "technician", "james": "coach", "aisha": "teacher"}
    for name, role in roles.items():
        Participant.objects.filter(pk=small.pid(name)).update(job_role=role)
    start = small.convening.starts_at + dt.timedelta(hours=3)
    by_role = Session.objects.create(convening=small.convening, title="Roundtable by role", kind=Session.Kind.BREAKOUT,
                                     order=5, starts_at=start, ends_at=start + dt.timedelta(minutes=30))
    by_role.topics.set([Topic.objects.get_or_create(kind=Topic.Kind.ROLE, name=name)[0]
                        for name in ("Administrators", "Coaches", "Technicians")])
    return by_role


async def test_role_grouping_uses_the_sessions_role_topics(connect: Connect, session: BreakoutSession) -> None:
    by_role = await roundtable(session)
    jordan = await connect("jordan")
    for name in ("maria", "james", "aisha"):
        await connect(name)
    await jordan.send("breakout.plan", session_id=by_role.pk, strategy="role")  # no count: one room per role
    ready = await jordan.expect("breakout.plan_ready")
    small = session.small
    rooms = {r["name"]: r["members"] for r in ready["rooms"]}
    assert set(rooms) == {"Coaches", "Technicians"}  # no one here is an administrator; no "Teachers" room
    assert small.pid("maria") in rooms["Technicians"] and small.pid("james") in rooms["Coaches"]
    assert ready["fits_no_topic"] == [small.pid("aisha")] and ready["stats"]["fits_none"] == 1
    assert small.pid("aisha") in {m for ms in rooms.values() for m in ms}  # placed, with the note


async def test_close_all_starts_the_countdown_that_reaches_everyone_before_rooms_close(
        opened: Opened, session: BreakoutSession) -> None:
    clients = await opened(grace_s=1)
    for name in ("maria", "james", "aisha"):
        await clients[name].expect("space.entered")
    await clients["jordan"].send("breakout.close", countdown=True)  # the console's "Close all rooms"
    for name, client in clients.items():
        closing = await client.expect("breakout.closing")
        state = await client.expect("breakout.state", lambda m: m["closes_at"] is not None)
        assert state["closes_at"] == closing["closes_at"]
        assert {r["state"] for r in state["rooms"]} == {"closing"}  # still in their rooms, wrapping up
    for name in ("maria", "james", "aisha"):
        assert (await clients[name].expect("breakout.returned", timeout=4))["reason"] == "closed"
        await clients[name].expect("space.entered", lambda m: m["space"] == "plenary")
