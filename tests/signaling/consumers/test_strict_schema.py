"""The published schema (/protocol.js) is exactly what the server accepts (issue 14).

An outside client builds messages from the schema alone: whatever the schema allows must
parse, whatever it refuses must be refused, and every field is bounded. The few rules a JSON
Schema cannot say (lone surrogates; rules across fields) are named here and in the docs.
"""
from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from pydantic import BaseModel

from signaling.protocol import CLIENT_TYPES, ErrorCode, Limits, ProtocolError, parse_client_message
from signaling.protocol.base import MAX_INT, WHOLE_UNICODE
from signaling.protocol_export import DOC_PATH, generated_markdown
from tests.signaling.consumers import schema_strategies as strategies
from tests.signaling.consumers import schemas as published

ROOMY = Limits(max_message_bytes=10**7, chat_max_chars=2000)  # size limits have their own tests
# Server rules a JSON Schema cannot express; each is in the message's description.
ACROSS_FIELDS = ("needs", "two different people")
PROFILE = hypothesis_settings(max_examples=400, deadline=None, derandomize=True, database=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _strings_without_the_check(annotation: Any, where: str, checked: bool = False) -> list[str]:
    """Paths of ``str`` annotations inside ``annotation`` that do not carry WHOLE_UNICODE."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _strings_without_the_check(args[0], where, checked or WHOLE_UNICODE in args[1:])
    if annotation is str:
        return [] if checked else [where]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [found for name, info in annotation.model_fields.items()
                for found in _strings_without_the_check(_full(info), f"{where}.{name}")]
    return [found for arg in args for found in _strings_without_the_check(arg, where)]


def _full(info: Any) -> Any:
    """A field's annotation with the metadata pydantic moved into its FieldInfo."""
    return typing.Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation


@pytest.mark.parametrize("model", list(CLIENT_TYPES.values()), ids=lambda m: m.type_name())
def test_every_client_string_must_be_whole_unicode(model: type[BaseModel]) -> None:
    assert _strings_without_the_check(model, model.__name__) == []


def _unbounded(schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
    found: list[str] = []
    for option in schema.get("anyOf", []):
        found += _unbounded(option, root, path)
    kind = schema.get("type")
    if kind == "integer" and not (schema.get("minimum", -MAX_INT - 1) >= -MAX_INT
                                  and schema.get("maximum", MAX_INT + 1) <= MAX_INT):
        found.append(f"{path}: integer without both bounds")
    if kind == "number" and not ({"minimum", "exclusiveMinimum"} & set(schema)
                                 and {"maximum", "exclusiveMaximum"} & set(schema)):
        found.append(f"{path}: number without both bounds")
    if kind == "string" and not ({"maxLength", "pattern", "enum", "const"} & set(schema)):
        found.append(f"{path}: string without a length limit")
    if kind == "array":
        found += [] if "maxItems" in schema else [f"{path}: array without maxItems"]
        found += _unbounded(schema.get("items", {}), root, f"{path}[]")
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            found += [] if "maxProperties" in schema else [f"{path}: object without maxProperties"]
            found += _unbounded(extra, root, f"{path}{{}}")
        for name, prop in schema.get("properties", {}).items():
            found += _unbounded(prop, root, f"{path}.{name}")
    return found


@pytest.mark.parametrize("kind", strategies.CLIENT_KINDS)
def test_every_published_client_field_is_bounded(kind: str) -> None:
    schema = strategies.SCHEMAS[kind]["schema"]
    assert _unbounded(schema, schema, kind) == []


def _verdict(message: dict[str, Any]) -> tuple[bool, str]:
    try:
        parse_client_message(json.dumps(message), ROOMY)
    except ProtocolError as refused:
        assert refused.code in (ErrorCode.INVALID_MESSAGE, ErrorCode.CHAT_TOO_LONG), refused.message
        json.dumps(refused.message, ensure_ascii=False).encode("utf-8")  # the reply can be sent
        return False, refused.message
    return True, ""


@PROFILE
@given(message=strategies.any_message)
def test_the_server_accepts_exactly_what_the_schema_allows(message: dict[str, Any]) -> None:
    entry = strategies.SCHEMAS[message["type"]]
    allowed = not published.problems(entry["schema"], message, entry["schema"]) and not strategies.has_surrogate(message)
    accepted, why = _verdict(message)
    if allowed and not accepted:
        assert any(rule in why for rule in ACROSS_FIELDS), f"schema allows, server refuses: {why} {message}"
    assert accepted <= allowed, f"server accepts what the schema refuses: {message}"


def test_the_docs_count_list_items_as_items() -> None:
    markdown = generated_markdown()
    assert "| `items` | list[string] | yes | at most 5 items; trimmed; not empty; at most 500 characters |" in markdown
    assert "at most 5 characters" not in DOC_PATH.read_text(encoding="utf-8")


def test_the_docs_say_where_session_ids_come_from_and_how_to_only_receive() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    assert "`breakout_sessions[].id`" in text
    assert "recvonly" in text and "only watch and listen" in text


def test_every_client_message_documents_its_answer() -> None:
    markdown = generated_markdown()
    for kind, model in CLIENT_TYPES.items():
        section = markdown.split(f"### `{kind}` (client → server)", 1)[1].split("### ", 1)[0]
        assert f"Answer (when it has an `id`): `{model.answer}`" in section, kind


@pytest.mark.parametrize("raw", [
    '{"type": "ping", "id": "\\ud800"}',
    '{"type": "chat.send", "text": "\\udfff"}',
    '{"type": "media.offer", "sdp": "v=0", "tracks": {"\\ud800": "camera"}}',
    '{"type": "actions.set", "room": "r1", "items": ["ok", "\\ud83d"]}',
    '{"type": "breakout.plan_edit", "session_id": 1, "version": 1, "op": "add_room", "name": "x\\udc00"}',
    '{"type": "nope\\ud800", "id": "\\ud800"}',
])
def test_lone_surrogates_are_refused_and_the_refusal_can_be_sent(raw: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(raw)
    refused = caught.value
    assert refused.ref is None
    assert refused.code in (ErrorCode.INVALID_MESSAGE, ErrorCode.UNKNOWN_TYPE)
    from signaling.protocol import error_reply

    error_reply(refused).to_json()  # serializes: nothing unsendable is echoed
