"""The protocol's edges as a client meets them (issue 14): text that cannot be echoed, a
connection whose consumer fails, messages that used to get no answer, loose types.

Each test goes through the real consumer (channels' communicator, real layer and database).
"""
from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from rooms.models import Presence
from signaling.consumers.convening import ConveningConsumer
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening
from tests.signaling.consumers.helpers import CommClient, move_to_room

pytestmark = pytest.mark.asyncio

SURROGATE = r"\ud800"  # JSON's escape: json.loads turns it into a lone surrogate


@database_sync_to_async
def connections_of(small: SmallConvening, who: str) -> int:
    return Presence.objects.filter(convening=small.convening, participant_id=small.pid(who)).count()


async def answers(client: CommClient, ref: str) -> list[dict]:
    """Every message that answered ``ref`` (after a barrier: all of them have arrived)."""
    await client.barrier()
    found = [m for m in client.seen if m.get("ref") == ref]
    client.seen = [m for m in client.seen if m.get("ref") != ref]
    return found


async def chat_still_reaches(sender: CommClient, reader: CommClient, text: str) -> None:
    await sender.send("chat.send", text=text)
    await reader.expect("chat.message", lambda m: m["text"] == text)


# ---- lone surrogates -------------------------------------------------------------------------

async def test_a_lone_surrogate_id_is_refused_and_the_connection_carries_on(
        connect: Connect, small: SmallConvening) -> None:
    maria, james = await connect("maria"), await connect("james")
    for frame in ('{"type": "ping", "id": "%s", "v": 2}' % SURROGATE,  # the report's frame
                  '{"type": "ping", "id": "%s"}' % SURROGATE,
                  '{"type": "chat.send", "text": "hi %s"}' % SURROGATE,
                  '{"type": "media.offer", "sdp": "v=0", "tracks": {"%s": "camera"}}' % SURROGATE):
        await maria.send_raw(frame)
        error = await maria.expect("error")
        assert error["code"] in ("protocol_version", "invalid_message") and error["ref"] is None, frame
    await maria.barrier()
    await chat_still_reaches(maria, james, "still here")
    assert await connections_of(small, "maria") == 1


async def test_an_unsendable_reply_does_not_kill_the_connection(connect: Connect, monkeypatch) -> None:  # noqa: ANN001
    from signaling.protocol.base import Pong

    maria = await connect("maria")
    # A reply that cannot be serialized (whatever the cause): logged, answered with `internal`.
    monkeypatch.setattr("signaling.consumers.handlers.core.Pong", lambda ref: Pong.model_construct(ref="\ud800"))
    await maria.send("ping", id="p1")
    assert (await maria.expect_error("internal"))["message"]
    monkeypatch.undo()
    await maria.barrier()


async def test_a_consumer_that_dies_still_leaves_the_roster(
        connect: Connect, small: SmallConvening, monkeypatch) -> None:  # noqa: ANN001
    """Whatever kills the application instance, disconnect's cleanup runs: no ghost."""
    james = await connect("james")
    maria = await connect("maria")
    assert await connections_of(small, "maria") == 1
    real = ConveningConsumer.receive

    async def failing(self: ConveningConsumer, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data == "boom":
            raise RuntimeError("a bug outside the guarded receive path")
        await real(self, text_data, bytes_data)

    monkeypatch.setattr(ConveningConsumer, "receive", failing)
    await maria.send_raw("boom")
    left = await james.expect("presence.left", lambda m: m["participant_id"] == small.pid("maria"))
    assert left
    assert await connections_of(small, "maria") == 0
    with pytest.raises(RuntimeError):
        await maria.comm.wait(timeout=5)
    maria._finished = True  # noqa: SLF001 — the application is gone; nothing left to disconnect


# ---- every message with an id gets exactly one answer ------------------------------------------

async def test_messages_without_a_result_are_acknowledged_once(connect: Connect) -> None:
    maria, james = await connect("maria"), await connect("james")
    await maria.send("chat.send", id="c1", text="hello")
    await james.expect("chat.message", lambda m: m["text"] == "hello")
    assert [m["type"] for m in await answers(maria, "c1")] == ["ack"]
    await maria.send("hand.raise", id="h1")
    await maria.send("hand.raise", id="h2")  # again: keeps her place, still answered
    assert [m["type"] for m in await answers(maria, "h1")] == ["ack"]
    assert [m["type"] for m in await answers(maria, "h2")] == ["ack"]
    await maria.send("ping", id="p1")
    assert [m["type"] for m in await answers(maria, "p1")] == ["pong"]
    await maria.send("hand.raise")  # no id: nothing to answer
    await maria.barrier()
    assert not maria.take("ack")


async def test_internal_errors_name_the_message(connect: Connect, monkeypatch) -> None:  # noqa: ANN001
    jordan = await connect("jordan")

    def overflow(*args: object) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr("rooms.actions.hands.invite_to_speak", overflow)
    await jordan.send("hand.invite", id="i1", participant_id=7)
    error = await jordan.expect_error("internal")
    assert error["ref"] == "i1"


@pytest.mark.parametrize("kind", ["breakout.move", "breakout.recall", "breakout.swap", "hand.invite",
                                  "hand.lower", "media.allow_screen"])
async def test_ids_beyond_the_schema_are_invalid_not_internal(connect: Connect, kind: str) -> None:
    jordan = await connect("jordan")
    fields = {"participant_id": 2**63, "other_participant_id": 3, "room": "room-1"}
    wanted = {"breakout.move": ("participant_id", "room"), "breakout.swap": ("participant_id", "other_participant_id")}
    await jordan.send(kind, id="x", **{k: fields[k] for k in wanted.get(kind, ("participant_id",))})
    error = await jordan.expect("error")
    assert (error["code"], error["ref"]) == ("invalid_message", "x")
    assert "participant_id" in error["message"]


async def test_recalling_someone_in_the_plenary_is_not_in_room(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await jordan.send("breakout.recall", id="r1", participant_id=small.pid("maria"))
    assert (await jordan.expect_error("not_in_room"))["ref"] == "r1"
    await jordan.send("breakout.recall", id="r2", participant_id=10**9)
    assert (await jordan.expect_error("not_found"))["ref"] == "r2"


async def test_recalling_someone_in_a_room_is_acknowledged(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await move_to_room(small, "maria")
    await jordan.send("breakout.recall", id="r3", participant_id=small.pid("maria"))
    assert [m["type"] for m in await answers(jordan, "r3")] == ["ack"]


async def test_returning_without_visiting_is_not_in_room(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await jordan.send("breakout.return", id="b1")
    assert (await jordan.expect_error("not_in_room"))["ref"] == "b1"
    room = await move_to_room(small, "maria")
    await jordan.send("breakout.visit", id="v1", room=room)
    await jordan.expect("space.entered", lambda m: m["space"] == room)
    await jordan.send("breakout.return", id="b2")
    await jordan.expect("space.entered", lambda m: m["space"] == "plenary")
    assert [m["type"] for m in await answers(jordan, "b2")] == ["ack"]


async def test_swapping_someone_with_themself_is_invalid(connect: Connect, small: SmallConvening) -> None:
    jordan = await connect("jordan")
    await jordan.send("breakout.swap", id="s1", participant_id=small.pid("maria"),
                      other_participant_id=small.pid("maria"))
    error = await jordan.expect_error("invalid_message")
    assert error["ref"] == "s1" and "two different people" in error["message"]


async def test_allowing_a_screen_is_answered(connect: Connect, small: SmallConvening) -> None:
    jordan, maria = await connect("jordan"), await connect("maria")
    await jordan.send("media.allow_screen", id="a1", participant_id=10**9)
    assert (await jordan.expect_error("not_found"))["ref"] == "a1"
    await jordan.send("media.allow_screen", id="a2", participant_id=small.pid("maria"))
    await maria.expect("media.screen_allowed", lambda m: m["allowed"] is True)
    assert [m["type"] for m in await answers(jordan, "a2")] == ["ack"]


async def test_asking_for_help_again_is_answered(connect: Connect, small: SmallConvening) -> None:
    maria = await connect("maria")
    await move_to_room(small, "maria")
    await maria.expect("space.entered", lambda m: m["space"] != "plenary")
    await maria.send("help.request", id="h1")
    await maria.expect("help.status", lambda m: m["waiting"] is True)
    await maria.send("help.request", id="h2")  # keeps her place: nothing changes, still answered
    assert [m["type"] for m in await answers(maria, "h1")] == ["ack"]
    assert [m["type"] for m in await answers(maria, "h2")] == ["ack"]


# ---- the server is exactly as strict as its schema ----------------------------------------------

@pytest.mark.parametrize(("fields", "field"), [
    ({"type": "hand.lower", "participant_id": "7"}, "participant_id"),
    ({"type": "hand.lower", "participant_id": True}, "participant_id"),
    ({"type": "hand.lower", "participant_id": 7.0}, "participant_id"),
    ({"type": "presence.update", "camera": 0}, "camera"),
    ({"type": "presence.update", "mic": "true"}, "mic"),
    ({"type": "presence.update"}, "camera, mic"),
    ({"type": "chat.sync", "space": "plenary", "after_seq": "0"}, "after_seq"),
])
async def test_loose_types_are_refused(connect: Connect, fields: dict, field: str) -> None:
    maria = await connect("maria")
    await maria.send_raw(json.dumps({**fields, "id": "t"}))
    error = await maria.expect("error")
    assert (error["code"], error["ref"]) == ("invalid_message", "t")
    assert field in error["message"]


async def test_version_is_the_integer(connect: Connect) -> None:
    maria = await connect("maria")
    for version in ("true", "1.0", '"1"'):
        await maria.send_raw('{"type": "ping", "id": "v", "v": %s}' % version)
        assert (await maria.expect_error("protocol_version"))["ref"] == "v"
    await maria.send_raw('{"type": "ping", "id": "ok", "v": 1}')
    await maria.expect("pong", lambda m: m["ref"] == "ok")


async def test_binary_frames_are_refused_with_a_clear_error(connect: Connect) -> None:
    maria = await connect("maria")
    await maria.send_raw(b'{"type": "ping", "id": "b"}')
    error = await maria.expect_error("invalid_message")
    assert "text frame" in error["message"]
    await maria.barrier()
