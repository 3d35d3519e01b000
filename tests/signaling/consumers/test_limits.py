"""Every refusal has its own error code, goes to the sender only, and changes nothing."""
from __future__ import annotations

import json

import pytest

from tests.signaling.consumers.conftest import Connect

pytestmark = pytest.mark.asyncio

TOO_BIG = json.dumps({"type": "chat.send", "text": "x" * (64 * 1024)})

CASES = [  # (frame, expected code, expected ref)
    ("{not json", "invalid_json", None),
    (b"\xff\xfe binary garbage", "invalid_message", None),  # binary frames are refused as such
    ("[" * 5000 + "]" * 5000, "invalid_json", None),
    ('["a", "list"]', "invalid_message", None),
    ('{"id": "t1"}', "invalid_message", "t1"),
    ('{"type": "teleport", "id": "t2"}', "unknown_type", "t2"),
    ('{"type": "chat.send", "id": "t3"}', "invalid_message", "t3"),
    ('{"type": "chat.send", "id": "t4", "text": "hi", "colour": "red"}', "invalid_message", "t4"),
    ('{"type": "chat.sync", "id": "t5", "space": "plenary", "after_seq": -1}', "invalid_message", "t5"),
    ('{"type": "chat.sync", "id": "t6", "space": "../etc", "after_seq": 0}', "invalid_message", "t6"),
    (TOO_BIG, "too_large", None),
    (json.dumps({"type": "chat.send", "id": "t7", "text": "y" * 2001}), "chat_too_long", "t7"),
    (json.dumps({"type": "broadcast.send", "id": "t8", "text": "z" * 2001}), "chat_too_long", "t8"),
    ('{"type": "chat.delete", "id": "t9", "space": "plenary", "seq": 1}', "forbidden", "t9"),
    ('{"type": "chat.sync", "id": "t10", "space": "room-99", "after_seq": 0}', "not_found", "t10"),
    ('{"type": "chat.send", "id": "t11", "space": "room-99", "text": "anyone?"}', "not_found", "t11"),
    ('{"type": "ping", "id": "t12", "v": 2}', "protocol_version", "t12"),
]


async def test_every_refusal_has_its_code_and_the_connection_carries_on(connect: Connect, settings) -> None:  # noqa: ANN001
    settings.RATE_LIMIT_BURST = 1000  # the rate limit has its own test below
    maria, james = await connect("maria"), await connect("james")
    for frame, code, ref in CASES:  # one connection for all: each refusal leaves it usable
        await maria.send_raw(frame)
        error = await maria.expect("error")
        assert (error["code"], error["ref"]) == (code, ref), frame[:80]
        assert error["message"]
        await maria.barrier()  # still connected and served
    await james.barrier()
    assert not [m for m in james.seen if m["type"] in ("error", "chat.message")]


async def test_invalid_message_says_what_is_wrong(connect: Connect) -> None:
    maria = await connect("maria")
    await maria.send("chat.sync", space="plenary")
    error = await maria.expect_error("invalid_message")
    assert "after_seq" in error["message"] and "required" in error["message"].lower()


async def test_rate_limit_is_a_token_bucket(connect: Connect, settings) -> None:  # noqa: ANN001
    maria = await connect("maria")  # limits are read when the connection opens: default 20 / 10 s
    for n in range(25):
        await maria.send("ping", id=f"p{n}")
    replies: list[dict] = []
    while len(replies) < 25:
        message = await maria.expect_any()
        if message["type"] in ("pong", "error"):
            replies.append(message)
    assert [r["type"] for r in replies] == ["pong"] * 20 + ["error"] * 5
    assert {r["code"] for r in replies[20:]} == {"rate_limited"}
    assert [r["ref"] for r in replies[20:]] == [f"p{n}" for n in range(20, 25)]


async def test_the_rate_limit_is_per_person_across_tabs(connect: Connect) -> None:
    tab1, tab2 = await connect("maria"), await connect("maria")
    for n in range(20):
        await tab1.send("ping", id=f"a{n}")
    for _ in range(20):
        await tab1.expect("pong")
    await tab2.send("ping", id="b")
    assert (await tab2.expect_error("rate_limited"))["ref"] == "b"
