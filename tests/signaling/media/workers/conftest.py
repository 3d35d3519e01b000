"""Media over the real websocket: one daphne for the package (its own copy of the demo academy),
synthetic aiortc participants that publish recognisable media and decode what they get.

``media_site`` is the running server with everyone's join tokens; ``people`` makes
participants (a websocket each, optionally a SyntheticParticipant on it) and closes them all
after the test; ``rooms`` opens the breakout session's rooms in self-select mode (everyone
stays in the plenary until moved) and closes them after the test.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from signaling.media.ice import restrict_host_addresses
from tests import live
from tests.live import DaphneServer, LiveDatabase, join_tokens, manage
from tests.live_clients import password_cookie, password_rows
from tests.signaling.media.synthetic import SyntheticParticipant

from .wsmedia import MediaWsClient, WsTransport

# The synthetic clients in this process gather ICE candidates too: loopback only.
restrict_host_addresses(["127.0.0.1"])
BREAKOUT_SESSION = ("from convenings.models import Session; "
                    "print(Session.objects.filter(kind='breakout').order_by('starts_at').first().pk)")


@dataclass
class MediaSite:
    server: DaphneServer
    db_url: str
    rows: list[dict[str, Any]]
    session_id: int
    used: set[str] = field(default_factory=set)

    def take(self, role: str) -> dict[str, Any]:
        """A person of ``role`` no earlier test used (their state is fresh); moderators are
        few, and shared (a test's own connections close when it ends)."""
        row = next(r for r in self.rows if r["role"] == role and (role == "moderator" or r["username"] not in self.used))
        self.used.add(row["username"])
        return row


@contextmanager
def serving(db_url: str, env: dict[str, str] | None = None) -> Iterator[DaphneServer]:
    """A daphne web worker; its log is printed when it stops (pytest shows it on failure)."""
    server = DaphneServer(db_url, env=env, name="media-web").start()
    try:
        yield server
    finally:
        server.stop()
        print(f"---- {server.name} log ----\n{server.log_text()}")


def site_fixture(template: LiveDatabase, env: dict[str, str] | None = None) -> Iterator[MediaSite]:
    """A copy of the demo academy served by one daphne, with everyone's join tokens."""
    for database in live.live_db_fixture(template):
        # Moderators get no join link: their rows carry no token, and they sign in with a password.
        rows = join_tokens(database.url, limit=1000) + password_rows(database.url)
        session_id = int(manage(database.url, "shell", "-v0", "-c", BREAKOUT_SESSION).split()[-1])
        with serving(database.url, env) as server:
            yield MediaSite(server, database.url, rows, session_id)


@pytest.fixture(scope="package")
def media_site(live_template: LiveDatabase) -> Iterator[MediaSite]:
    yield from site_fixture(live_template)


@dataclass
class Person:
    row: dict[str, Any]
    ws: MediaWsClient
    media: SyntheticParticipant

    @property
    def pid(self) -> int:
        return int(self.row["participant_id"])

    @property
    def tag(self) -> str:
        """The participant id as the synthetic participant's signals carry it."""
        return str(self.pid)


MakePerson = Callable[..., Awaitable[Person]]


@pytest_asyncio.fixture
async def people(request: pytest.FixtureRequest) -> AsyncIterator[MakePerson]:
    made: list[Person] = []

    async def make(role: str = "participant", *, decode: bool = True, site: MediaSite | None = None) -> Person:
        site = site or request.getfixturevalue("media_site")  # only started when a test needs it
        row = site.take(role)
        cookie = None if row.get("token") else await asyncio.to_thread(password_cookie, site.server, row["username"])
        ws = await MediaWsClient.open(site.server, row.get("token", ""), cookie=cookie)
        person = Person(row, ws, SyntheticParticipant(str(row["participant_id"]), WsTransport(ws), decode=decode))
        made.append(person)
        return person

    yield make
    for person in made:
        await person.media.close(leave=False)
        await person.ws.close()


async def open_rooms(moderator: MediaWsClient, session_id: int, count: int = 2) -> list[str]:
    """Plan and open ``count`` rooms, self-select (nobody moves by itself); their keys."""
    await moderator.send("breakout.plan", session_id=session_id, strategy="random", room_count=count, seed=1)
    plan = await moderator.expect("breakout.plan_ready", timeout=10)
    await moderator.send("breakout.open", session_id=session_id, duration_s=600, mode="self_select")
    await moderator.expect("breakout.state", lambda m: any(r["state"] == "open" for r in m["rooms"]), timeout=10)
    return [room["key"] for room in plan["rooms"]]


async def move(moderator: MediaWsClient, person: Person, room: str) -> None:
    """The real breakout message; returns once the person's connection is in ``room``."""
    await moderator.send("breakout.move", participant_id=person.pid, room=room)
    await person.ws.expect("space.entered", lambda m: m["space"] == room, timeout=10)


async def close_rooms(moderator: MediaWsClient) -> None:
    await moderator.send("breakout.close")
    await moderator.expect("breakout.state", lambda m: all(r["state"] == "closed" for r in m["rooms"]), timeout=10)
