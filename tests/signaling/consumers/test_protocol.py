"""The protocol module itself: registry, parsing, generated docs and /protocol.js."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from signaling.protocol import (
    CLIENT_TYPES,
    DEFAULT_LIMITS,
    PROTOCOL_VERSION,
    SERVER_TYPES,
    ClientMessage,
    ErrorCode,
    ProtocolError,
    families,
    parse_client_message,
)
from signaling.protocol_export import DOC_PATH, render_doc
from tests.signaling.consumers import schemas

EXPECTED_CLIENT = {"ping", "presence.update", "chat.send", "chat.sync", "chat.delete", "hand.raise",
                   "hand.lower", "hand.invite", "broadcast.send"}
EXPECTED_SERVER = {"pong", "error", "batch", "welcome", "presence.joined", "presence.changed", "presence.left",
                   "space.entered", "chat.message", "chat.history", "chat.deleted", "hand.queue",
                   "hand.invited", "broadcast"}
# The breakouts family (signaling/protocol/breakouts.py, breakout_controls.py, breakout_rooms.py).
EXPECTED_CLIENT |= {"breakout.plan", "breakout.plan_get", "breakout.plan_edit", "breakout.open", "breakout.reopen",
                    "breakout.move", "breakout.swap", "breakout.recall", "breakout.choose", "breakout.visit",
                    "breakout.return", "breakout.mode", "breakout.timer", "breakout.close", "breakout.broadcast",
                    "help.request", "help.withdraw", "notes.edit", "room.sync", "actions.update", "actions.set",
                    "breakout.resync"}
EXPECTED_SERVER |= {"breakout.plan_ready", "breakout.assigned", "breakout.returned", "breakout.closing",
                    "breakout.state", "breakout.changed", "breakout.rooms", "breakout.summary", "help.queue", "help.status",
                    "notes.updated", "room.action_items"}


def test_registry_holds_every_message_type() -> None:
    # Subsets: each family registers its own types (media, ...) without editing this test.
    assert EXPECTED_CLIENT <= set(CLIENT_TYPES)
    assert EXPECTED_SERVER <= set(SERVER_TYPES)
    assert families()[0] == "core" and {"breakouts", "plenary"} <= set(families())


@pytest.mark.parametrize("model", [*CLIENT_TYPES.values(), *SERVER_TYPES.values()], ids=lambda m: m.type_name())
def test_every_type_has_a_valid_example_matching_its_published_schema(model: type) -> None:
    example = json.loads(model.example().to_json())
    schemas.check(example, model.direction)


@pytest.mark.parametrize("model", list(CLIENT_TYPES.values()), ids=lambda m: m.type_name())
def test_client_examples_parse(model: type[ClientMessage]) -> None:
    raw = model.example().model_dump_json(by_alias=True, exclude_none=True)
    assert type(parse_client_message(raw)) is model


def test_schema_checker_catches_mistakes() -> None:
    with pytest.raises(AssertionError):
        schemas.check({"type": "chat.message", "space": "plenary", "seq": "one"})
    with pytest.raises(AssertionError):
        schemas.check({"type": "pong", "ref": None, "extra": 1})
    with pytest.raises(AssertionError):
        schemas.check({"type": "chat.send", "text": "hi"})  # a client message from the server?


@pytest.mark.parametrize(("raw", "code"), [
    ("", ErrorCode.INVALID_JSON),
    ("null", ErrorCode.INVALID_MESSAGE),
    ('{"type": "chat.send", "text": "   "}', ErrorCode.INVALID_MESSAGE),
    ('{"type": "ping", "id": "' + "x" * 65 + '"}', ErrorCode.INVALID_MESSAGE),
    ('{"type": "ping", "v": "1"}', ErrorCode.PROTOCOL_VERSION),
    ("NaN", ErrorCode.INVALID_JSON),
])
def test_parse_errors(raw: str, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    assert caught.value.code == code


def test_long_ids_are_not_echoed() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message('{"type": "nope", "id": "' + "x" * 65 + '"}')
    assert caught.value.ref is None


def test_the_committed_protocol_doc_is_generated_from_the_models() -> None:
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert committed == render_doc(committed), "docs/protocol.md is stale: run `manage.py protocol_docs`"
    for name in [*EXPECTED_CLIENT, *EXPECTED_SERVER]:
        assert f"### `{name}`" in committed


def test_protocol_js_is_served_as_an_es_module(settings) -> None:  # noqa: ANN001
    settings.CHAT_MAX_CHARS = 500
    response = Client().get("/protocol.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    module = response.content.decode()
    assert f"export const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in module
    assert schemas.exported("LIMITS", module)["chat_max_chars"] == 500
    published = schemas.exported("SCHEMAS", module)
    assert set(published) == set(CLIENT_TYPES) | set(SERVER_TYPES)
    assert EXPECTED_CLIENT | EXPECTED_SERVER <= set(published)
    assert published["chat.send"]["direction"] == "client"
    assert published["chat.send"]["schema"]["properties"]["text"]["maxLength"] == 500
    assert published["welcome"]["direction"] == "server"
    assert "type" in published["welcome"]["schema"]["required"]
    assert set(schemas.exported("ERROR_CODES", module)) == {code.value for code in ErrorCode}
    assert schemas.exported("CLOSE_CODES", module)["4401"]


def test_default_limits() -> None:
    assert (DEFAULT_LIMITS.max_message_bytes, DEFAULT_LIMITS.chat_max_chars) == (65536, 2000)
    assert (DEFAULT_LIMITS.rate_limit_burst, DEFAULT_LIMITS.rate_limit_per_s) == (20, 2.0)


def test_a_new_family_is_a_module_that_registers_its_types() -> None:
    from typing import Literal

    from signaling.protocol.base import examples, register
    from signaling.protocol_export import generated_markdown, protocol_js

    @register("zz-example")
    class ExampleWave(ClientMessage):
        """Wave at the room."""
        model_config = examples({"type": "example.wave", "to": "room-1"})
        type: Literal["example.wave"] = "example.wave"
        to: str

    try:
        assert "zz-example" in families()
        assert type(parse_client_message('{"type": "example.wave", "to": "room-1"}')) is ExampleWave
        assert '"example.wave"' in protocol_js(DEFAULT_LIMITS)
        assert "## Messages: zz-example" in generated_markdown()
    finally:
        CLIENT_TYPES.pop("example.wave")
