"""Self-select: people choose rooms; capacity holds when two race for the last place."""
from __future__ import annotations

import asyncio
import threading

import pytest
from django.db import connection

from rooms import live
from rooms.actions import breakouts
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import LEARNING, PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio


async def test_people_choose_from_the_rooms_list(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened(mode="self_select", capacity=2)
    maria, james = clients["maria"], clients["james"]
    listed = await maria.expect("breakout.rooms")
    assert {r["name"]: r["free"] for r in listed["rooms"]} == {PARENT: 2, LEARNING: 2}
    assert maria.take("breakout.assigned") == []  # nobody is sent anywhere
    pl = session.room_of_topic(LEARNING)
    await maria.send("breakout.choose", room=pl)
    assert (await maria.expect("breakout.assigned"))["room"]["key"] == pl
    await maria.expect("space.entered", lambda m: m["space"] == pl)
    after = await james.expect("breakout.rooms", lambda m: any(r["free"] == 1 for r in m["rooms"]))
    assert {r["name"]: r["free"] for r in after["rooms"]} == {PARENT: 2, LEARNING: 1}


async def test_two_racing_for_the_last_place_one_wins(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened(mode="self_select", capacity=1)
    maria, james = clients["maria"], clients["james"]
    pe = session.room_of_topic(PARENT)
    await asyncio.gather(maria.send("breakout.choose", id="m", room=pe), james.send("breakout.choose", id="j", room=pe))
    for client in (maria, james):  # the winner's notice comes before the new state
        await client.expect("breakout.changed", lambda m: any(r["count"] for r in m["rooms"]))
        await client.barrier()
    won = [c for c in (maria, james) if c.take("breakout.assigned")]
    lost = [c for c in (maria, james) if any(e["code"] == "room_full" for e in c.take("error"))]
    assert len(won) == 1 and len(lost) == 1 and won != lost


def _choose_at_once(convening_id: int, people: list[int], room: str) -> list[str]:
    """Each person chooses from a thread (its own database connection), released together."""
    gate = threading.Barrier(len(people))
    results: list[str] = []

    def attempt(person: int) -> None:
        gate.wait()
        try:
            breakouts.choose(convening_id, person, room)
            results.append("won")
        except live.RoomFull:
            results.append("room_full")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return sorted(results)


async def test_capacity_holds_under_real_concurrency(connect: Connect, session: BreakoutSession) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database serializes writers anyway (PostgreSQL runs this)")
    jordan = await connect("jordan")
    await jordan.send("breakout.plan", session_id=session.id, room_count=2, everyone=True)  # nobody else is connected
    await jordan.expect("breakout.plan_ready")
    await jordan.send("breakout.open", session_id=session.id, duration_s=600, mode="self_select", capacity=1)
    await jordan.expect("breakout.state")
    people = [session.small.pid(n) for n in ("maria", "james", "aisha")]
    for _ in range(3):  # the last place of one room, three times over (rooms are emptied between)
        outcome = await db(_choose_at_once, thread_sensitive=False)(session.small.convening.pk, people,
                                                                   session.room_of_topic(PARENT))
        assert outcome == ["room_full", "room_full", "won"]
        for person in people:
            await db(breakouts.recall)(session.small.convening.pk, person)
