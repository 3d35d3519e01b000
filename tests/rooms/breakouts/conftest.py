"""Breakouts over the live consumer: the plenary suite's fixtures plus a breakout session.

``layer`` runs each consumer test on the in-memory layer and on Redis; the database
is real (committed), cleaned by tests/signaling/consumers's fast ``transactional_db``.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async

from tests.rooms.breakouts.factories import BreakoutSession, breakout_session
from tests.signaling.consumers.conftest import Connect, connect, layer, small, transactional_db  # noqa: F401 — fixtures
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import CommClient

Opened = Callable[..., Awaitable[dict[str, CommClient]]]


@pytest.fixture
def session(small: SmallConvening) -> BreakoutSession:
    return breakout_session(small)


@pytest.fixture(autouse=True)
def _fast_tick(settings) -> None:  # noqa: ANN001 — pytest-django's settings
    settings.BREAKOUT_TICK_S = 0.1


async def plan(jordan: CommClient, session: BreakoutSession, **options: object) -> dict:
    await jordan.send("breakout.plan", session_id=session.id, **({"room_count": 2} | options))
    return await jordan.expect("breakout.plan_ready")


@pytest_asyncio.fixture
async def opened(connect: Connect, session: BreakoutSession) -> Opened:  # noqa: F811
    """``await opened(**open_fields)``: everyone connected, rooms planned and open, each
    participant told their room; returns the clients by name."""

    async def open_rooms(names: tuple[str, ...] = ("jordan", "maria", "james", "aisha"),
                         **fields: object) -> dict[str, CommClient]:
        clients = {name: await connect(name) for name in names}
        await plan(clients["jordan"], session)
        await clients["jordan"].send("breakout.open", session_id=session.id, **({"duration_s": 600} | fields))
        if fields.get("mode", "assigned") == "assigned":
            for name in names:
                if name != "jordan" and name in ("maria", "james", "aisha"):
                    await clients[name].expect("breakout.assigned")
        await clients["jordan"].expect("breakout.state", lambda m: m["rooms"] and m["rooms"][0]["state"] == "open")
        return clients

    return open_rooms


db = database_sync_to_async
