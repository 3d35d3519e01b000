"""Task ownership: one heartbeat per worker, nothing left behind by a closed connection."""
from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from rooms.models import ChatMessage, Presence, SpaceCounter
from signaling.redis_layer import READER_TASK
from signaling.worker import HEARTBEAT_TASK, OUTBOX_TASK, WORKER
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio
WORKER_TASKS = {HEARTBEAT_TASK, OUTBOX_TASK}
PROCESS_TASKS = {*WORKER_TASKS, READER_TASK}  # READER_TASK: with Redis, the layer's one reader


def _named(name: str) -> list[asyncio.Task]:
    return [task for task in asyncio.all_tasks() if task.get_name() == name and not task.done()]


def _others(baseline: set[asyncio.Task]) -> list[asyncio.Task]:
    """Tasks that were not there before, apart from the worker's own and this test's."""
    return [task for task in asyncio.all_tasks() - baseline
            if task is not asyncio.current_task() and task.get_name() not in PROCESS_TASKS and not task.done()]


async def _settle(baseline: set[asyncio.Task], timeout: float = 3.0) -> list[asyncio.Task]:
    deadline = asyncio.get_running_loop().time() + timeout
    while _others(baseline) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    return _others(baseline)


async def test_one_heartbeat_and_one_outbox_however_many_connections(connect: Connect) -> None:
    clients = [await connect(name) for name in ("maria", "james", "aisha", "maria")]
    for name in WORKER_TASKS:
        assert len(_named(name)) == 1
        assert WORKER.running()[name] is _named(name)[0]
    running = {name: _named(name) for name in WORKER_TASKS}
    for client in clients:
        await client.close()
    assert {name: _named(name) for name in WORKER_TASKS} == running  # they belong to the worker


async def test_no_task_outlives_its_connection(connect: Connect, small: SmallConvening, settings) -> None:  # noqa: ANN001
    await database_sync_to_async(lambda: (
        ChatMessage.objects.bulk_create(ChatMessage(convening=small.convening, seq=n, text=str(n))
                                        for n in range(1, 3001)),
        SpaceCounter.objects.create(convening=small.convening, space="plenary", last_seq=3000)))()
    settings.CHAT_SYNC_PAGE = 10  # a long catch-up, still running when the socket closes
    baseline = set(asyncio.all_tasks())
    maria = await connect("maria")
    await maria.send("chat.sync", space="plenary", after_seq=0)
    await maria.expect("chat.history")
    assert any(t.get_name().startswith("chat.sync") for t in asyncio.all_tasks())
    await maria.close()
    assert await _settle(baseline) == []
    assert maria.comm.future.done()


async def test_dead_workers_connections_are_swept(connect: Connect, small: SmallConvening, settings) -> None:  # noqa: ANN001
    settings.PRESENCE_HEARTBEAT_S, settings.PRESENCE_TIMEOUT_S = 0.1, 0.5
    jordan = await connect("jordan")
    await database_sync_to_async(Presence.objects.create)(  # James, on a worker that died a while ago
        channel_name="specific.dead!1", convening=small.convening, participant=small["james"].participant,
        role="participant", worker="dead-worker", last_seen=timezone.now() - dt.timedelta(seconds=5))
    left = await jordan.expect("presence.left", timeout=3)
    assert left["participant_id"] == small.pid("james")
    await asyncio.sleep(1.0)  # several timeouts: our own connection is refreshed, not swept
    assert await database_sync_to_async(Presence.objects.filter(participant=small["jordan"].participant).count)() == 1
    assert not jordan.take("presence.left")


async def test_a_connection_whose_row_was_swept_is_told_to_reconnect(connect: Connect, small: SmallConvening,
                                                                    settings) -> None:  # noqa: ANN001
    settings.PRESENCE_HEARTBEAT_S = 0.1
    maria = await connect("maria")
    await database_sync_to_async(Presence.objects.filter(participant=small["maria"].participant).delete)()
    closed = await maria.expect_close()
    assert closed.code == 4408
    assert maria.take("error")[0]["code"] == "expired"
