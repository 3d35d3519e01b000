"""Two daphne workers on Redis: shared presence and chat, and a worker killed mid-convening."""
from __future__ import annotations

import asyncio
import time

import pytest

from tests.live import LIVE_TIMINGS, DaphneServer, WsClient, join_tokens

pytestmark = [pytest.mark.live, pytest.mark.redis, pytest.mark.asyncio]


def about(pid: int):  # noqa: ANN201 — a predicate
    return lambda m: m["participant"]["participant_id"] == pid


async def joined(server: DaphneServer, row: dict) -> tuple[WsClient, dict]:
    client = await WsClient.open(server, row["token"])
    return client, await client.expect("welcome")


async def test_workers_share_presence_and_chat_and_nobody_misses_chat_when_one_dies(
        redis_servers: list[DaphneServer]) -> None:
    a, b = redis_servers
    people = join_tokens(a.db_url, role="participant", limit=4)
    (stay1, stay2, moved1, moved2) = people
    on_a = [await joined(a, stay1), await joined(a, stay2)]
    on_b = [await joined(b, moved1), await joined(b, moved2)]
    watcher = on_a[0][0]

    # Presence and chat cross workers.
    for row in (moved1, moved2):
        await watcher.expect("presence.joined", about(row["participant_id"]))
    await on_b[0][0].send("chat.send", text="hello from worker B")
    await watcher.expect("chat.message", lambda m: m["text"] == "hello from worker B")
    await watcher.send("chat.send", text="hello from worker A")
    last_seen = {}
    for client, _ in on_b:
        last_seen[id(client)] = (await client.expect("chat.message", lambda m: m["text"] == "hello from worker A"))["seq"]
    await on_b[0][0].send("hand.raise")  # persisted: must still be queued after the crash
    await watcher.expect("hand.queue", lambda m: any(h["participant_id"] == moved1["participant_id"] for h in m["hands"]))

    # Worker B dies without a word. Its people leave A's roster within the timeout.
    b.kill()
    killed_at = time.monotonic()
    for row in (moved1, moved2):
        await watcher.expect("presence.left", lambda m, pid=row["participant_id"]: m["participant_id"] == pid,
                             timeout=10)
    gone_after = time.monotonic() - killed_at
    assert gone_after < float(LIVE_TIMINGS["PRESENCE_TIMEOUT_S"]) + 2 * float(LIVE_TIMINGS["PRESENCE_HEARTBEAT_S"]) + 2

    # Chat goes on during the outage...
    outage = [f"during the outage {n}" for n in range(3)]
    for text in outage:
        await watcher.send("chat.send", text=text)
    for text in outage:
        await on_a[1][0].expect("chat.message", lambda m, t=text: m["text"] == t)

    # ...and B's people reconnect to A, catch up exactly, and reappear.
    for (old, _), row in zip(on_b, (moved1, moved2)):
        client, welcome = await joined(a, row)
        await client.send("chat.sync", id="sync", space="plenary", after_seq=last_seen[id(old)])
        history = await client.expect("chat.history", lambda m: m["ref"] == "sync")
        assert [m["text"] for m in history["messages"]] == outage and not history["has_more"]
        assert any(h["participant_id"] == moved1["participant_id"] for h in welcome["hands"])
        await watcher.expect("presence.joined", about(row["participant_id"]))
        await client.close()
    for client, _ in on_a:
        await client.close()
    await asyncio.sleep(0)
