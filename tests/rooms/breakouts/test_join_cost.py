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
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convenings import joinlinks
from convenings.models import Registration
from people.models import Participant
from tests.rooms.breakouts.conftest import db, plan
from tests.rooms.breakouts.factories import PARENT, BreakoutSession
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
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


def _late_registrations(small: SmallConvening, count: int) -> list[str]:
    """Join tokens of ``count`` more registered participants (registered after the plan)."""
    school = small["maria"].participant.school
    tokens = []
    for n in range(count):
        user = get_user_model().objects.create(username=f"late{n}", first_name="Late", last_name=f"No{n}")
        person = Participant.objects.create(user=user, job_role="teacher", school=school)
        registration = Registration.objects.create(convening=small.convening, participant=person, role="participant")
        tokens.append(joinlinks.issue(registration).token)
    return tokens


async def test_late_joiners_arriving_together_are_placed_and_welcomed_together(
        connect: Connect, session: BreakoutSession) -> None:
    """Five people connect while the database thread is busy (a burst): each is placed in a
    room and welcomed there, and the five cost one or two breakouts changes and roster reads
    (the first join's trip, then the others', together), not five of each
    (signaling.consumers.arrivals)."""
    jordan, maria = await connect("jordan"), await connect("maria")
    await plan(jordan, session)
    await jordan.send("breakout.open", session_id=session.id, duration_s=600)
    await maria.expect("space.entered")
    opened = await jordan.expect("breakout.state", lambda m: bool(m["rooms"]))
    tokens = await db(_late_registrations)(session.small, 5)
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(30)

    capture = CaptureQueriesContext(connection)
    await db(capture.__enter__)()
    holding = asyncio.ensure_future(db(hold)())
    try:
        assert await asyncio.to_thread(busy.wait, 10)
        late = [await connect(token=token, welcome=False) for token in tokens]  # accepted at once
        await asyncio.sleep(0.3)  # and every admission queued behind the hold
    finally:
        release.set()
        await holding
    for client in late:
        client.welcome = await client.expect("welcome")  # type: ignore[attr-defined]
    await db(capture.__exit__)(None, None, None)
    queries = [q["sql"] for q in await db(lambda: capture.captured_queries)()]
    rooms = {room["key"] for room in opened["rooms"]}
    assert all(client.welcome["space"] in rooms for client in late)  # placed, and welcomed in the room
    changes = [q for q in queries if q.startswith('UPDATE "rooms_livebreakoutstate"')]
    rosters = [q for q in queries if q.startswith('SELECT "rooms_presence"."participant_id"')]
    assert 1 <= len(changes) <= 3 and 1 <= len(rosters) <= 3, "\n".join(q[:120] for q in [*changes, *rosters])


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
