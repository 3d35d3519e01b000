"""Real daphne workers: the database is the record (a restarted worker loses nothing, the
timer fires on the new one), and a move crosses workers that share Redis."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from tests.live import DEMO_SLUG, DaphneServer, LiveDatabase, WsClient, join_tokens, manage
from tests.live_clients import password_cookie, password_rows

pytestmark = [pytest.mark.live, pytest.mark.asyncio]
BREAKOUT_SESSION = 2  # the demo agenda's "Breakouts by core component"


def session_id(db_url: str) -> int:
    code = (f"from convenings.models import Session; print(Session.objects.get(convening__slug={DEMO_SLUG!r}, "
            f"order={BREAKOUT_SESSION}).pk)")
    return int(manage(db_url, "shell", "-c", code).strip().splitlines()[-1])


async def joined(server: DaphneServer, row: dict) -> tuple[WsClient, dict]:
    """Connected with the row's join link, or (a moderator: no link) signed in with a password."""
    cookie = None if row.get("token") else await asyncio.to_thread(password_cookie, server, row["username"])
    client = await WsClient.open(server, row.get("token", ""), cookie=cookie)
    return client, await client.expect("welcome")


async def open_rooms(moderator: WsClient, session: int, **fields: object) -> dict:
    await moderator.send("breakout.plan", session_id=session, strategy="topic", room_count=4)
    await moderator.expect("breakout.plan_ready", timeout=10)
    await moderator.send("breakout.open", session_id=session, **fields)
    return await moderator.expect("breakout.state", lambda m: m["rooms"] and m["rooms"][0]["state"] == "open")


async def test_a_restarted_worker_loses_nothing_and_its_timer_still_fires(database: LiveDatabase) -> None:
    session = session_id(database.url)
    moderator_row = password_rows(database.url)[0]
    people = join_tokens(database.url, role="participant", limit=2)
    since = dt.datetime.now(dt.UTC)
    first = DaphneServer(database.url, name="first").start()
    try:
        moderator, _ = await joined(first, moderator_row)
        clients = [(await joined(first, row))[0] for row in people]
        state = await open_rooms(moderator, session, duration_s=6, grace_s=1)
        rooms = [(await c.expect("breakout.assigned"))["room"]["key"] for c in clients]
    finally:
        first.kill()  # a crash: no goodbye, no cleanup
    second = DaphneServer(database.url, name="second").start()
    try:
        for row, room in zip(people, rooms):
            client, welcome = await joined(second, row)
            assert welcome["space"] == room  # straight back into their room
            assert welcome["breakouts"]["version"] == state["version"]
            assert welcome["breakouts"]["rooms"] == state["rooms"]
            assert welcome["breakouts"]["help_queue"] is None
        moderator, welcome = await joined(second, moderator_row)
        assert welcome["breakouts"]["help_queue"] == [] and welcome["breakouts"]["ends_at"] == state["ends_at"]
        # Nobody acts: the new worker's clock closes the rooms the first one opened.
        await client.expect("breakout.closing", timeout=10)
        assert (await client.expect("breakout.returned", timeout=5))["reason"] == "closed"
        await client.expect("space.entered", lambda m: m["space"] == "plenary")
    finally:
        second.stop()
    # Attendance followed them: plenary, their room until the crash (closed by the second
    # worker's sweep at their last heartbeat), the room again on the new worker, the plenary.
    for row, room in zip(people, rooms):
        assert attendance(database.url, row["participant_id"], since) == [
            ("plenary", True), (room, True), (room, True), ("plenary", True)]


def attendance(db_url: str, participant_id: int, since: dt.datetime) -> list[tuple[str, bool]]:
    """(space, closed?) of a person's attendance rows begun since ``since``, in the order they began
    (the demo seeds some attendance of its own, for its certificate)."""
    code = ("import json, datetime as dt; from rooms.models import Attendance as A; print(json.dumps([[a.space, "
            f"a.left_at is not None] for a in A.objects.filter(participant_id={participant_id}, "
            f"joined_at__gte=dt.datetime.fromisoformat({since.isoformat()!r})).order_by('joined_at', 'pk')]))")
    return [tuple(row) for row in json.loads(manage(db_url, "shell", "-c", code).strip().splitlines()[-1])]


@pytest.mark.redis
async def test_a_move_across_two_workers_sharing_redis(redis_servers: list[DaphneServer]) -> None:
    a, b = redis_servers
    session = session_id(a.db_url)
    moderator, _ = await joined(a, password_rows(a.db_url)[0])
    people = join_tokens(a.db_url, role="participant", limit=24)
    clients = {}
    for n, row in enumerate(people):
        clients[row["participant_id"]] = (await joined(b if n % 2 else a, row))[0]
    state = await open_rooms(moderator, session, duration_s=600)
    members = {r["key"]: r["members"] for r in state["rooms"]}
    for pid, client in clients.items():
        told = await client.expect("breakout.assigned", timeout=10)
        assert pid in members[told["room"]["key"]]
    # Move someone on worker B into a room where someone on worker A is.
    on_a = {row["participant_id"] for n, row in enumerate(people) if n % 2 == 0}
    mover = next(pid for pid in clients if pid not in on_a)
    source_room = next(k for k, m in members.items() if mover not in m and on_a & set(m))
    await moderator.send("breakout.move", participant_id=mover, room=source_room)
    moved = clients[mover]
    assert (await moved.expect("breakout.assigned", lambda m: m["room"]["key"] == source_room))
    await moved.expect("space.entered", lambda m: m["space"] == source_room)
    await moved.send("chat.send", text="hello from my new room")
    for pid in set(members[source_room]) & set(clients):
        message = await clients[pid].expect("chat.message", lambda m: m["text"] == "hello from my new room")
        assert message["space"] == source_room
    for client in [moderator, *clients.values()]:
        await client.close()
