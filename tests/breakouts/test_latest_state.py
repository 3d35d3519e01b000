"""Whole snapshots held briefly: a burst of late joiners costs a few fan-outs of the state, not one each."""
from __future__ import annotations

import asyncio

import pytest

from rooms.actions import publish

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
