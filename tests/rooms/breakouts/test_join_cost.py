"""What one websocket join costs the worker's database thread, counted so it cannot creep back.

During a burst of arrivals every join queues on the one database thread, and each statement
there is paid by everyone behind it (bench/breakout_open.py, late joiners: 100 arriving in 2 s).
Counted on that thread (CaptureQueriesContext entered and left there), so the figure is the
whole join as production makes it: admission, the late joiner's placement, the welcome.
BEGIN and COMMIT count: each is a round trip too.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.rooms.breakouts.conftest import db, plan
from tests.rooms.breakouts.factories import PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.helpers import CommClient

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _fast_tick(settings) -> None:  # noqa: ANN001 — replaces the breakouts suite's: no ticks mid-count
    # (an in-memory SQLite test database runs the worker's ticks on the same database thread)
    settings.BREAKOUT_TICK_S = 3600
    settings.PRESENCE_HEARTBEAT_S = 3600

# Before issue 17's late-joiner work: 33 and 17 (and one more trip, before the handshake was
# accepted, and a new database connection on every trip).
LATE_JOINER_QUERIES = 27
PLENARY_JOIN_QUERIES = 11


async def counted(join: Callable[[], Awaitable[CommClient]]) -> tuple[CommClient, list[dict[str, Any]]]:
    """``join()``'s client and the statements the database thread ran meanwhile."""
    capture = CaptureQueriesContext(connection)
    await db(capture.__enter__)()
    try:
        client = await join()
    finally:
        await db(capture.__exit__)(None, None, None)
    return client, await db(lambda: capture.captured_queries)()


def shown(queries: list[dict[str, Any]]) -> str:
    return "\n".join(q["sql"][:120] for q in queries)


async def test_a_late_joiner_is_placed_and_welcomed_in_few_queries(connect: Connect,
                                                                    session: BreakoutSession) -> None:
    jordan, maria, _james = await connect("jordan"), await connect("maria"), await connect("james")
    await plan(jordan, session)
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    await maria.expect("space.entered")
    aisha, queries = await counted(lambda: connect("aisha"))
    assert aisha.welcome["space"] == session.room_of_topic(PARENT)  # placed by the plan's rule
    assert len(queries) <= LATE_JOINER_QUERIES, shown(queries)


async def test_joining_the_plenary_takes_few_queries(connect: Connect, session: BreakoutSession) -> None:
    await connect("jordan")
    await connect("maria")
    james, queries = await counted(lambda: connect("james"))
    assert james.welcome["space"] == "plenary"
    assert len(queries) <= PLENARY_JOIN_QUERIES, shown(queries)


@pytest.mark.parametrize("who", ["maria", "jordan"])  # a join link; a signed-in browser (password session)
async def test_a_handshake_is_accepted_while_the_database_thread_is_busy(connect: Connect,
                                                                          session: BreakoutSession, who: str) -> None:
    # A burst of joins keeps the database thread busy for seconds, and daphne drops a handshake
    # not accepted within 5 s: who the browser is must be read after accepting, not before.
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(30)

    holding = asyncio.ensure_future(db(hold)())
    try:
        assert await asyncio.to_thread(busy.wait, 10)
        client = await connect(who, welcome=False)  # accepted (within 5 s) while the thread is held
    finally:
        release.set()
        await holding
    welcome = await client.expect("welcome")  # admitted once the thread is free
    assert welcome["you"]["participant_id"] == session.small.pid(who)
