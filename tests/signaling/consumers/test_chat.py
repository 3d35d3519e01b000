"""Chat: ordered by a per-space number, history on join, exact catch-up after a reconnect."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from rooms.actions import chat
from rooms.models import ChatMessage, SpaceCounter
from signaling.protocol.shapes import Person
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import move_to_room

pytestmark = pytest.mark.asyncio


@database_sync_to_async
def fill(small: SmallConvening, count: int, space: str = "plenary") -> None:
    """``count`` chat messages by Maria, written directly (quicker than sending them)."""
    author = small["maria"].participant
    ChatMessage.objects.bulk_create(
        ChatMessage(convening=small.convening, space=space, seq=n, author=author, text=f"note {n}",
                    created_at=timezone.now()) for n in range(1, count + 1))
    SpaceCounter.objects.create(convening=small.convening, space=space, last_seq=count)


async def test_everyone_in_the_space_gets_messages_in_order(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    for text in ("first", "  second  ", "third"):
        await maria.send("chat.send", text=text)
    for client in (jordan, maria):
        got = [await client.expect("chat.message") for _ in range(3)]
        assert [(m["seq"], m["text"]) for m in got] == [(1, "first"), (2, "second"), (3, "third")]
        assert got[0]["author"] == {"participant_id": small.pid("maria"), "name": "Maria Garcia"}
        assert got[0]["space"] == "plenary" and got[0]["deleted"] is False


async def test_join_brings_the_last_100(connect: Connect, small: SmallConvening) -> None:
    await fill(small, 130)
    james = await connect("james")
    assert [m["seq"] for m in james.welcome["chat"]] == list(range(31, 131))


async def test_sync_after_reconnect_returns_exactly_what_was_missed(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    for n in range(3):
        await jordan.send("chat.send", text=f"before {n}")
    seen = [(await maria.expect("chat.message"))["seq"] for _ in range(3)]
    await maria.close()  # Maria's network drops
    for n in range(4):
        await jordan.send("chat.send", text=f"while away {n}")
    await jordan.barrier()
    maria = await connect("maria")
    await maria.send("chat.sync", id="s1", space="plenary", after_seq=max(seen))
    history = await maria.expect("chat.history")
    assert history["ref"] == "s1" and history["has_more"] is False
    assert [m["text"] for m in history["messages"]] == [f"while away {n}" for n in range(4)]
    assert [m["seq"] for m in history["messages"]] == [4, 5, 6, 7]


async def test_sync_is_paged_beyond_500(connect: Connect, small: SmallConvening) -> None:
    await fill(small, 1203)
    maria = await connect("maria")
    await maria.send("chat.sync", space="plenary", after_seq=100)
    pages = [await maria.expect("chat.history") for _ in range(3)]
    assert [len(p["messages"]) for p in pages] == [500, 500, 103]
    assert [p["has_more"] for p in pages] == [True, True, False]
    seqs = [m["seq"] for p in pages for m in p["messages"]]
    assert seqs == list(range(101, 1204))


async def test_moderator_deletes_a_message_for_everyone(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await maria.send("chat.send", text="oops, wrong room")
    await jordan.expect("chat.message")
    await jordan.send("chat.delete", space="plenary", seq=1)
    for client in (jordan, maria):
        deleted = await client.expect("chat.deleted")
        assert deleted == {"type": "chat.deleted", "space": "plenary", "seq": 1,
                           "by": {"participant_id": small.pid("jordan"), "name": "Jordan Ellis"}}
    late = await connect("james")
    assert late.welcome["chat"][0]["deleted"] is True and late.welcome["chat"][0]["text"] == ""


async def test_participant_cannot_delete(connect: Connect, small: SmallConvening) -> None:
    james, maria = await connect("james"), await connect("maria")
    await maria.send("chat.send", text="keep me")
    await james.expect("chat.message")
    await james.send("chat.delete", id="d1", space="plenary", seq=1)
    error = await james.expect_error("forbidden")
    assert error["ref"] == "d1"
    await maria.barrier()
    assert not maria.take("chat.deleted")
    assert not await database_sync_to_async(
        ChatMessage.objects.filter(deleted_at__isnull=False).exists)()


async def test_room_chat_stays_in_the_room(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    room = await move_to_room(small, "maria")
    await maria.expect("space.entered")
    await maria.send("chat.send", text="just us in room 1")
    message = await maria.expect("chat.message")
    assert (message["space"], message["seq"]) == (room, 1)
    await jordan.barrier()
    assert not jordan.take("chat.message")
    await maria.send("chat.send", id="x", space="plenary", text="can I post to the plenary?")
    assert (await maria.expect_error("forbidden"))["ref"] == "x"
    await jordan.send("chat.sync", space=room, after_seq=0)  # moderators may look into any room
    assert [m["text"] for m in (await jordan.expect("chat.history"))["messages"]] == ["just us in room 1"]


def _post_many(small: SmallConvening, author: str, count: int) -> list[int]:
    person = Person(participant_id=small.pid(author), name=author)
    return [chat.post(small.convening.pk, "plenary", person, f"{author} {n}").seq for n in range(count)]


async def test_numbers_are_unique_and_gapless_under_concurrent_posts(small: SmallConvening, layer: str) -> None:
    import asyncio

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database serializes writers anyway")
    posters = [database_sync_to_async(_post_many, thread_sensitive=False)(small, name, 20)
               for name in ("maria", "james", "aisha", "jordan")]
    seqs = [seq for batch in await asyncio.gather(*posters) for seq in batch]
    assert sorted(seqs) == list(range(1, 81))
