"""Joins waiting together go to the database thread together (signaling.consumers.arrivals)."""
from __future__ import annotations

import asyncio
import threading

import pytest

from signaling.consumers.arrivals import Batches
from signaling.worker import WORKER

# The database thread may hold a connection kept from an earlier test, which it checks before
# each trip: database access must be allowed even though these trips never query.
pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class Door:
    """A batch function that records each trip's requests and can be held shut."""

    def __init__(self) -> None:
        self.trips: list[list[str]] = []
        self.inside, self.open = threading.Event(), threading.Event()
        self.open.set()

    def run(self, convening_id: int, requests: list[str]) -> list[str]:
        self.trips.append(list(requests))
        self.inside.set()
        assert self.open.wait(10)
        if "bad" in requests:
            raise ValueError("a bad arrival")
        return [f"{convening_id}:{r}" for r in requests]


async def _submitted(batches: Batches[int, str, str], convening_id: int, request: str) -> asyncio.Task[str]:
    task = asyncio.ensure_future(batches.submit(convening_id, request))
    await asyncio.sleep(0)  # it is waiting now
    return task


async def _ana_on_the_thread() -> tuple[Door, Batches[int, str, str], asyncio.Task[str]]:
    """Batches whose first trip (Ana's join, alone) is on the database thread, held there."""
    door = Door()
    batches: Batches[int, str, str] = Batches("test", door.run)
    door.open.clear()
    first = await _submitted(batches, 1, "ana")
    assert await asyncio.to_thread(door.inside.wait, 10)
    return door, batches, first


async def test_joins_that_arrive_during_a_trip_go_together_in_the_next() -> None:
    door, batches, first = await _ana_on_the_thread()
    others = [await _submitted(batches, 1, name) for name in ("ben", "cy", "di")]
    elsewhere = await _submitted(batches, 2, "eve")  # another convening: a trip of its own
    door.open.set()
    assert await first == "1:ana"
    assert [await task for task in others] == ["1:ben", "1:cy", "1:di"]
    assert await elsewhere == "2:eve"
    assert sorted(door.trips) == [["ana"], ["ben", "cy", "di"], ["eve"]]
    await WORKER.stop()


async def test_a_bad_arrival_fails_alone_and_the_others_are_welcomed() -> None:
    door, batches, blocker = await _ana_on_the_thread()
    waiting = [await _submitted(batches, 1, name) for name in ("ben", "bad", "cy")]
    door.open.set()
    assert await blocker == "1:ana"
    assert await waiting[0] == "1:ben" and await waiting[2] == "1:cy"
    with pytest.raises(ValueError, match="a bad arrival"):
        await waiting[1]
    assert door.trips == [["ana"], ["ben", "bad", "cy"], ["ben"], ["bad"], ["cy"]]
    await WORKER.stop()


async def test_a_stopping_worker_leaves_no_join_waiting_forever() -> None:
    door, batches, first = await _ana_on_the_thread()
    second = await _submitted(batches, 1, "ben")
    await WORKER.stop()  # the trip's task is cancelled: both joins are answered (cancelled)
    door.open.set()
    for task in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await batches.submit(1, "cy") == "1:cy"  # and the next join starts anew
    await WORKER.stop()
