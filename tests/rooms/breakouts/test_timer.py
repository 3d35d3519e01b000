"""The clock runs rooms with no client action: end → grace countdown → everyone back."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
from django.db import connection

from rooms.actions import breakouts
from rooms.breakout_models import LiveBreakoutState, RoomAssignment
from tests.rooms.breakouts.conftest import Opened, db
from tests.rooms.breakouts.factories import BreakoutSession
from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_rooms_count_down_and_everyone_returns(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened(duration_s=1, grace_s=1)
    for client in clients.values():
        closing = await client.expect("breakout.closing", timeout=4)
        assert 0.9 <= (_at(closing["closes_at"]) - _at(closing["now"])).total_seconds() <= 1.0
    for name in ("maria", "james", "aisha"):
        assert (await clients[name].expect("breakout.returned", timeout=4))["reason"] == "closed"
        await clients[name].expect("space.entered", lambda m: m["space"] == "plenary")
    state = await clients["jordan"].expect("breakout.state", lambda m: m["rooms"][0]["state"] == "closed")
    assert all(r["members"] == [] for r in state["rooms"]) and state["ends_at"] is None
    assert await db(RoomAssignment.objects.filter(left_at__isnull=True).count)() == 0


async def test_more_time_during_the_countdown_reopens_the_rooms(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened(duration_s=1, grace_s=30)
    jordan, maria = clients["jordan"], clients["maria"]
    await maria.expect("breakout.closing", timeout=4)
    counting = await maria.expect("breakout.state", lambda m: m["rooms"][0]["state"] == "closing")
    await jordan.send("breakout.timer", op="extend", seconds=120)
    state = await maria.expect("breakout.state", lambda m: m["version"] > counting["version"])
    assert state["rooms"][0]["state"] == "open" and state["closes_at"] is None
    assert 100 < (_at(state["ends_at"]) - _at(state["now"])).total_seconds() <= 120
    await jordan.send("breakout.timer", op="shorten", seconds=60)
    await maria.expect("breakout.state", lambda m: (_at(m["ends_at"]) - _at(m["now"])).total_seconds() < 61)
    assert maria.take("breakout.returned") == []


def _tick_twice_at_once() -> list[int]:
    if connection.vendor == "sqlite":  # one writer at a time anyway: the second finds nothing due
        return [breakouts.tick(), breakouts.tick()]
    gate, results = threading.Barrier(2), []

    def tick() -> None:
        gate.wait()
        try:
            results.append(breakouts.tick())
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return results


async def test_two_workers_ticking_at_once_close_the_rooms_once(connect: Connect, session: BreakoutSession,
                                                                settings) -> None:  # noqa: ANN001
    settings.BREAKOUT_TICK_S = 3600  # no worker tick: this test is the two workers
    jordan = await connect("jordan")
    for name in ("maria", "james", "aisha"):  # connected, so each has a stay in a room to close
        await connect(name)
    await jordan.send("breakout.plan", session_id=session.id, room_count=2)
    await jordan.expect("breakout.plan_ready")
    await jordan.send("breakout.open", session_id=session.id, duration_s=0.2, grace_s=0.5)
    await jordan.expect("breakout.state")
    await asyncio.sleep(0.3)
    convening = session.small.convening.pk
    version = await db(lambda: LiveBreakoutState.objects.get(convening_id=convening).version)()
    assert sorted(await db(_tick_twice_at_once, thread_sensitive=False)()) == [0, 1]  # countdown started once
    await asyncio.sleep(0.6)
    assert sorted(await db(_tick_twice_at_once, thread_sensitive=False)()) == [0, 1]  # and rooms closed once
    assert await db(lambda: LiveBreakoutState.objects.get(convening_id=convening).version)() == version + 2
    assert await db(RoomAssignment.objects.filter(left_reason="closed").count)() == 3
