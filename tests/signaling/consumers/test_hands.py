"""Raised hands: a queue in raise order that moderators work through."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from rooms.models import RaisedHand
from signaling.worker import WORKER
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio


def names(queue: dict) -> list[str]:
    return [hand["name"] for hand in queue["hands"]]


async def _raise_three(connect: Connect):  # noqa: ANN202
    jordan = await connect("jordan")
    people = [await connect(name) for name in ("maria", "james", "aisha")]
    for count, person in enumerate(people, start=1):
        await person.send("hand.raise")
        await jordan.expect("hand.queue", lambda m, count=count: len(m["hands"]) == count)
    return jordan, people


async def test_queue_is_in_raise_order(connect: Connect, small: SmallConvening) -> None:
    jordan, (maria, james, aisha) = await _raise_three(connect)
    await maria.send("hand.raise")  # again: keeps her place, nothing to announce
    await maria.barrier()
    await jordan.barrier()
    assert not jordan.take("hand.queue")
    newcomer = await connect("olivia")
    assert [h["name"] for h in newcomer.welcome["hands"]] == ["Maria Garcia", "James Nguyen", "Aisha Johnson"]
    hand_flags = {e["name"]: e["hand_raised"] for e in newcomer.welcome["roster"]}
    assert hand_flags["James Nguyen"] is True and hand_flags["Jordan Ellis"] is False


async def test_lower_own_hand(connect: Connect, small: SmallConvening) -> None:
    jordan, (maria, james, aisha) = await _raise_three(connect)
    await james.send("hand.lower")
    queue = await jordan.expect("hand.queue")
    assert names(queue) == ["Maria Garcia", "Aisha Johnson"]


async def test_moderator_lowers_anyones_hand_participant_cannot(connect: Connect, small: SmallConvening) -> None:
    jordan, (maria, james, aisha) = await _raise_three(connect)
    await james.send("hand.lower", id="l1", participant_id=small.pid("maria"))
    assert (await james.expect_error("forbidden"))["ref"] == "l1"
    await jordan.send("hand.lower", participant_id=small.pid("maria"))
    queue = await jordan.expect("hand.queue")
    assert names(queue) == ["James Nguyen", "Aisha Johnson"]


async def test_lowering_a_hand_that_is_not_raised_is_not_found(connect: Connect) -> None:
    maria = await connect("maria")
    await maria.send("hand.lower", id="l2")
    assert (await maria.expect_error("not_found"))["ref"] == "l2"


async def test_invite_to_speak_prompts_that_person_and_lowers_the_hand(connect: Connect, small: SmallConvening) -> None:
    jordan, (maria, james, aisha) = await _raise_three(connect)
    await jordan.send("hand.invite", participant_id=small.pid("james"))
    invited = await james.expect("hand.invited")
    assert invited["by"] == {"participant_id": small.pid("jordan"), "name": "Jordan Ellis"}
    assert invited["space"] == "plenary"
    queue = await aisha.expect("hand.queue", lambda m: len(m["hands"]) == 2 and "James Nguyen" not in names(m))
    assert names(queue) == ["Maria Garcia", "Aisha Johnson"]
    await maria.barrier()
    assert not maria.take("hand.invited")


async def test_participants_cannot_invite_and_absent_people_cannot_be_invited(connect: Connect,
                                                                             small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("hand.invite", participant_id=small.pid("jordan"))
    await maria.expect_error("forbidden")
    await jordan.send("hand.invite", id="i9", participant_id=small.pid("aisha"))  # not connected
    assert (await jordan.expect_error("not_found"))["ref"] == "i9"


async def test_the_queue_survives_a_worker_restart(connect: Connect, small: SmallConvening) -> None:
    jordan, people = await _raise_three(connect)
    for client in (jordan, *people):
        await client.close()
    await WORKER.stop()  # everything in memory is gone; the database is not
    assert await database_sync_to_async(RaisedHand.objects.count)() == 3
    olivia = await connect("olivia")
    assert [h["name"] for h in olivia.welcome["hands"]] == ["Maria Garcia", "James Nguyen", "Aisha Johnson"]
