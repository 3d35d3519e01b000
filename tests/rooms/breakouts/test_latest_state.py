"""Held briefly: a burst of late joiners costs a few fan-outs (of the state, or of what changed), not one each."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from channels.layers import get_channel_layer

from rooms.actions import breakout_publish, publish
from signaling.protocol.breakouts import BreakoutChanged, RoomStatus

pytestmark = pytest.mark.asyncio


async def test_a_newer_snapshot_replaces_the_held_one_and_others_are_not_held(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(publish, "COALESCE_S", 0.05)
    sent: list[str] = []

    def sending(label: str) -> publish.Send:
        async def send(_layer: object) -> None:
            sent.append(label)
        return send

    outbox = publish.Outbox()
    outbox.open()
    runner = asyncio.create_task(outbox.run())
    try:
        for version in range(1, 6):  # five late joiners' states within the window
            outbox.put_latest("breakouts.state.1", sending(f"state v{version}"))
        outbox.put_latest("breakouts.state.2", sending("other convening v1"))
        outbox.put(sending("a move's notice"))  # never held
        await asyncio.sleep(0.01)
        assert sent == ["a move's notice"]
        await asyncio.sleep(0.1)
        assert sorted(sent) == ["a move's notice", "other convening v1", "state v5"]  # only the newest
        outbox.put_latest("breakouts.state.1", sending("state v6"))  # a new window after the release
        await asyncio.sleep(0.1)
        assert sent[-1] == "state v6"
    finally:
        runner.cancel()
        outbox.close()


def _changed(base: int, rooms: dict[str, list[int]]) -> BreakoutChanged:
    return BreakoutChanged(version=base + 1, base_version=base, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), rooms=[
        RoomStatus(key=key, name=key, topic=None, state="open", members=members, count=len(members), capacity=None)
        for key, members in rooms.items()])


async def test_a_burst_of_small_changes_reaches_everyone_as_one_merged_change(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(publish, "COALESCE_S", 0.05)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("convening.1", channel)
    outbox = publish.Outbox()
    outbox.open()
    runner = asyncio.create_task(outbox.run())

    def hold(change: BreakoutChanged) -> None:
        outbox.put_merged("breakouts.state.1", publish.Held("convening.1", (change, None), breakout_publish._merge,
                                                             breakout_publish._changed_event))

    try:
        hold(_changed(4, {"r1": [1, 2]}))  # three late joiners placed within the window
        hold(_changed(5, {"r2": [3]}))
        hold(_changed(6, {"r1": [1, 2, 4]}))
        event = await asyncio.wait_for(layer.receive(channel), 2)
        [text] = event["public"]
        merged = json.loads(text)
        assert (merged["type"], merged["base_version"], merged["version"]) == ("breakout.changed", 4, 7)
        assert {r["key"]: r["members"] for r in merged["rooms"]} == {"r1": [1, 2, 4], "r2": [3]}  # the newest of each
        # A change sent at once (a move) goes after what is held, so versions arrive in order.
        hold(_changed(7, {"r2": [3, 5]}))
        outbox.put(publish._deliver("convening.1", "a move"), after_held="breakouts.state.1")
        first, second = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(2)]
        assert json.loads(first["public"][0])["version"] == 8 and second["text"] == "a move"
        # A change that does not follow the held one is not merged into it: both go, in order.
        hold(_changed(9, {"r1": [1]}))
        hold(_changed(11, {"r2": [2]}))
        versions = [json.loads((await asyncio.wait_for(layer.receive(channel), 2))["public"][0])["base_version"]
                    for _ in range(2)]
        assert versions == [9, 11]
    finally:
        runner.cancel()
        outbox.close()
        await layer.group_discard("convening.1", channel)
