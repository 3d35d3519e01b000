"""Attendance follows breakouts: the rows (and the report's minutes) say where people were.

Every move goes through the breakouts' one relocate operation, so a person who leaves
from a room, or whose worker dies while they are in one, has their room interval closed
at that moment; someone planned into a room who never connected enters nothing.
"""
from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from reports.sources import room_stays
from reports.summary import attendance_summary
from rooms.actions import presence
from rooms.models import Attendance, Presence
from tests.rooms.breakouts.conftest import Opened, plan
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio
db = database_sync_to_async


@db
def intervals(session: BreakoutSession, who: str) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    rows = Attendance.objects.filter(convening=session.small.convening,
                                     participant_id=session.small.pid(who)).order_by("joined_at", "pk")
    return [(row.space, row.joined_at, row.left_at) for row in rows]


@db
def report_row(session: BreakoutSession, who: str, now: dt.datetime):  # noqa: ANN201 — reports' dataclass
    summary = attendance_summary(session.small.convening, now)
    return next(p for p in summary.people if p.participant.pk == session.small.pid(who))


@db
def stays_of(session: BreakoutSession) -> dict[str, list[tuple[str, str]]]:
    stays: dict[str, list[tuple[str, str]]] = {}
    for stay in room_stays(session.small.convening):
        stays.setdefault(stay.participant.user.username, []).append((stay.room_key, stay.arrived))
    return stays


async def test_opening_rooms_moves_attendance_into_them(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    await clients["maria"].expect("space.entered")
    room = session.room_of_topic(PARENT)
    (plenary, entered, left), (space, joined, still) = await intervals(session, "maria")
    assert (plenary, space, still) == ("plenary", room, None)
    assert left == joined  # one moment: out of the plenary, into the room
    assert entered <= left


async def test_leaving_from_a_room_closes_the_room_interval_then(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    await clients["maria"].expect("space.entered")
    before = timezone.now()
    await clients["maria"].close()
    after = timezone.now()
    *_, (space, _joined, left) = await intervals(session, "maria")
    assert space == session.room_of_topic(PARENT)
    assert left is not None and before <= left <= after
    person = await report_row(session, "maria", after + dt.timedelta(minutes=30))
    assert not person.still_present and person.last_left == left
    assert person.spaces == ["plenary", session.room_of_topic(PARENT)]


async def test_a_dead_workers_people_leave_their_rooms(opened: Opened, session: BreakoutSession) -> None:
    """A worker killed while people are in rooms stops vouching for them; another worker's
    sweep ends their room intervals at the last moment they were vouched for."""
    clients = await opened()
    await clients["james"].expect("space.entered")
    james, room = session.small.pid("james"), session.room_of_topic(LEARNING)
    entered, died = timezone.now() - dt.timedelta(minutes=3), timezone.now() - dt.timedelta(minutes=1)

    def worker_died_after_two_minutes_in_the_room() -> None:
        Attendance.objects.filter(participant_id=james, space=room).update(joined_at=entered)
        Presence.objects.filter(participant_id=james).update(last_seen=died)

    await db(worker_died_after_two_minutes_in_the_room)()
    assert await db(presence.sweep)(30) == 1
    [left] = [left for space, _joined, left in await intervals(session, "james") if space == room]
    assert left == died
    person = await report_row(session, "james", timezone.now())
    assert not person.still_present and person.minutes == 2  # the two minutes in the room count


async def test_absent_people_enter_no_room_until_they_connect(connect: Connect, session: BreakoutSession) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await plan(jordan, session, everyone=True)  # planning ahead: aisha too, though she is not here
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    await maria.expect("space.entered")
    assert await intervals(session, "aisha") == []
    stays = await stays_of(session)
    assert "aisha" not in stays and "james" not in stays  # never "placed when rooms opened"
    assert stays["maria"] == [(session.room_of_topic(PARENT), "placed when rooms opened")]

    aisha = await connect("aisha")  # late: straight into the room she was planned into
    assert aisha.welcome["space"] == session.room_of_topic(PARENT)
    [(space, _joined, left)] = await intervals(session, "aisha")
    assert (space, left) == (session.room_of_topic(PARENT), None)
    assert (await stays_of(session))["aisha"] == [(session.room_of_topic(PARENT), "joined after rooms opened")]


async def test_closing_rooms_brings_attendance_back_to_the_plenary(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    await clients["aisha"].expect("space.entered")
    await clients["jordan"].send("breakout.close")
    await clients["aisha"].expect("space.entered", lambda m: m["space"] == "plenary")
    spaces = [(space, left is None) for space, _joined, left in await intervals(session, "aisha")]
    assert spaces == [("plenary", False), (session.room_of_topic(PARENT), False), ("plenary", True)]
