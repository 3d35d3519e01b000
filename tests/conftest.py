from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from convenings.demo import PHASES, DemoSummary, seed
from tests import live
from tests.live import DaphneServer, LiveDatabase


@pytest.fixture
def demo(db: None) -> DemoSummary:
    """The seeded demo Statewide Leadership Academy, its opening plenary live now (whatever the
    hour: the agenda is placed around the clock, see convenings.demo.seed)."""
    return seed(at=PHASES["session"])


# ---- live servers (tests/live.py) ------------------------------------------------------

@pytest.fixture(scope="session")
def live_template() -> Iterator[LiveDatabase]:
    """The demo academy, migrated once per session; live databases are copies of it."""
    yield from live.live_template_fixture()


@pytest.fixture(scope="session")
def live_db(live_template: LiveDatabase) -> Iterator[LiveDatabase]:
    """A migrated demo database for daphne subprocesses (PostgreSQL if DATABASE_URL says so)."""
    yield from live.live_db_fixture(live_template)


@pytest.fixture
def database(live_template: LiveDatabase) -> Iterator[LiveDatabase]:
    """A demo database of this test's own (a copy of the template), dropped afterwards."""
    copy = live_template.clone()
    try:
        yield copy
    finally:
        copy.drop()


@pytest.fixture(scope="session")
def live_server(live_db: LiveDatabase) -> Iterator[DaphneServer]:
    """One daphne worker with the in-memory channel layer (replaces pytest-django's live_server)."""
    yield from live.live_server_fixture(live_db)


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """Replaces pytest-django's helper of the same name, which would configure its own
    in-process live_server (and flush the test database) for every test using ours."""


@pytest.fixture
def redis_servers(live_template: LiveDatabase) -> Iterator[list[DaphneServer]]:
    """Two daphne workers sharing Redis (a channel prefix unique to this run) and a database
    copy of their own (``db_url``); tests may kill them."""
    yield from live.redis_servers_fixture(live_template, prefix=f"convene-live-{secrets.token_hex(4)}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last. Playwright's sync API keeps an event loop running in
    the main thread while its session-wide browser lives; async tests (pytest-asyncio)
    collected after it would find that loop and fail to start their own."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
