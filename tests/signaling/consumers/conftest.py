"""Fixtures for the live plenary: a small convening, a channel layer, connected clients.

Every consumer test runs twice: on the in-memory layer and on channels_redis with
a prefix of its own (``-m "not redis"`` skips the second).

Database: the consumer works in its own thread, so test data must really be
committed — what ``django_db(transaction=True)`` gives. pytest-django then empties
the database with TRUNCATE of every table and re-creates permissions, which on
PostgreSQL took 1.3 s per test here (about two minutes for this suite). So this
directory overrides ``transactional_db``: same isolation, by deleting the rows these
tests create, in milliseconds. (The name is kept because pytest-django decides
whether to create the test database by the fixtures a test uses.)
"""
from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from signaling.worker import WORKER
from tests.services import redis_layer_config
from tests.signaling.consumers.factories import SLUG, SmallConvening, small_convening
from tests.signaling.consumers.helpers import CommClient

RUN = secrets.token_hex(3)
_count = itertools.count()

LAYERS = [pytest.param("memory", id="memory"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]
Connect = Callable[..., Awaitable[CommClient]]


# The faster layers bench/plenary_fanout.py recommends (CHANNEL_LAYER_BACKEND); tests/signaling/consumers/
# test_layers.py runs the key behaviours on them with @pytest.mark.parametrize(..., indirect=True).
FAST_BACKENDS = {"local": "signaling.layers.LocalChannelLayer",
                 "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer"}


@pytest.fixture(params=LAYERS)
def layer(request: pytest.FixtureRequest, settings) -> str:  # noqa: ANN001 — pytest-django's settings
    name = str(request.param)
    if name in ("redis", "pubsub"):
        settings.CHANNEL_LAYERS = redis_layer_config(prefix=f"convene-test-{RUN}-{next(_count)}")
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "signaling.layers.LocalChannelLayer"}}
    if name in FAST_BACKENDS:
        settings.CHANNEL_LAYERS["default"]["BACKEND"] = FAST_BACKENDS[name]
    return name


def _delete_test_rows() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from convenings.models import Convening
    from people.models import District, Region, School

    # Cascades take registrations, presence, chat, hands (convening) and participants (user).
    for model in (Convening, get_user_model(), School, District, Region, Session):
        model.objects.all().delete()


def _is_test_database() -> bool:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    return name.startswith("test_") or "mode=memory" in name or name == ":memory:"


@pytest.fixture
def transactional_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    """Database access from any thread, with real commits; emptied again afterwards."""
    with django_db_blocker.unblock():
        assert _is_test_database(), "refusing to run (and clean up) outside the test database"
        try:
            yield
        finally:
            _delete_test_rows()


@pytest.fixture
def small(transactional_db: None) -> SmallConvening:
    return small_convening()


@pytest_asyncio.fixture
async def connect(layer: str, small: SmallConvening) -> AsyncIterator[Connect]:
    """``await connect("maria")`` → a client that has received its welcome (in ``.welcome``)."""
    clients: list[CommClient] = []

    async def open_client(who: str | None = None, *, slug: str = SLUG, token: str | None = None,
                          headers: list[tuple[bytes, bytes]] | None = None, welcome: bool = True) -> CommClient:
        if who and token is None and headers is None and who in small.cookies:
            headers = small.headers(who)  # a moderator or organizer: signed in with a password
        token = token if token is not None else (small.tokens.get(who, "") if who else "")
        client = CommClient(f"/ws/convenings/{slug}/" + (f"?join={token}" if token else ""), headers)
        clients.append(client)
        assert await client.open()
        if welcome:
            client.welcome = await client.expect("welcome")  # type: ignore[attr-defined]
        return client

    yield open_client
    for client in reversed(clients):
        await client.close()
    await WORKER.stop()
    await get_channel_layer().flush()
    # The database thread may keep a connection after a rush of concurrent connects; close it
    # so PostgreSQL can drop the test database at the end of the session.
    await database_sync_to_async(connections.close_all)()
