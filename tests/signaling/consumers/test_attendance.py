"""Being in the live convening is recorded for the organizers' attendance report."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms.models import Attendance
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio


def _intervals(small: SmallConvening, who: str) -> list[tuple[str, bool]]:
    rows = Attendance.objects.filter(convening=small.convening, participant_id=small.pid(who)).order_by("pk")
    return [(row.space, row.left_at is not None) for row in rows]


async def test_joining_moving_and_leaving_are_recorded(connect: Connect, small: SmallConvening) -> None:
    maria = await connect("maria")
    assert await database_sync_to_async(_intervals)(small, "maria") == [("plenary", False)]
    room = await move_to_room(small, "maria")  # a moderator's move (breakouts: tests/rooms/breakouts/test_attendance.py)
    await maria.expect("space.entered")
    assert await database_sync_to_async(_intervals)(small, "maria") == [("plenary", True), (room, False)]
    await maria.close()
    assert await database_sync_to_async(_intervals)(small, "maria") == [("plenary", True), (room, True)]
