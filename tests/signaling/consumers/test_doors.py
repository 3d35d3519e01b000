"""The doors: participants who connect before the convening opens are refused (close 4425,
error ``not_open_yet`` with the opening time); the people who run it may enter early."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from convenings.opening import EARLY_ENTRY
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio


@database_sync_to_async
def starts_in(small: SmallConvening, delta: dt.timedelta, hours: int = 4) -> dt.datetime:
    """Move the convening so that it starts ``delta`` from now (negative: it started)."""
    convening = small.convening
    convening.starts_at = timezone.now() + delta
    convening.ends_at = convening.starts_at + dt.timedelta(hours=hours)
    convening.save(update_fields=["starts_at", "ends_at"])
    return convening.starts_at


async def test_a_participant_too_early_is_refused_with_the_opening_time(connect: Connect,
                                                                        small: SmallConvening) -> None:
    starts_at = await starts_in(small, dt.timedelta(hours=2))
    client = await connect("maria", welcome=False)
    closed = await client.expect_close()
    assert closed.code == 4425
    error = client.take("error")[0]
    assert error["code"] == "not_open_yet"
    assert error["message"].startswith("North Coast Roundtable opens ")
    assert "participants can join from" in error["message"]
    doors = re.search(r"Doors open at (\S+)\.$", error["message"])
    assert doors and dt.datetime.fromisoformat(doors.group(1)) == starts_at - EARLY_ENTRY


@pytest.mark.parametrize("who", ["jordan", "angela", "olivia"])  # moderator, presenter, organizer
async def test_the_people_who_run_it_enter_early(connect: Connect, small: SmallConvening, who: str) -> None:
    await starts_in(small, dt.timedelta(hours=2))
    client = await connect(who)
    assert client.welcome["you"]["role"] in {"moderator", "presenter", "organizer"}


async def test_participants_enter_once_the_doors_open(connect: Connect, small: SmallConvening) -> None:
    await starts_in(small, EARLY_ENTRY - dt.timedelta(minutes=1))  # the doors opened a minute ago
    client = await connect("maria")
    assert client.welcome["you"]["name"] == "Maria Garcia"


async def test_after_the_end_people_may_still_come_in(connect: Connect, small: SmallConvening) -> None:
    await starts_in(small, -dt.timedelta(hours=6), hours=4)
    client = await connect("maria")
    assert client.welcome["you"]["role"] == "participant"
