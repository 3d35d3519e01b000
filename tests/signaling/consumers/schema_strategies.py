"""Hypothesis strategies drawn from the published protocol (``/protocol.js``'s SCHEMAS), as an
outside client written from docs/protocol.md alone would build its messages.

``valid(kind)``: messages the schema allows (boundary values favoured). ``hostile(kind)``:
the same messages with one thing wrong or nasty — a wrong type, an out-of-range or huge
integer, a lone surrogate, deep nesting, an unknown field, an id nobody has.
"""
from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.signaling.consumers import schemas as published

SCHEMAS = published.schemas()
CLIENT_KINDS = sorted(kind for kind, entry in SCHEMAS.items() if entry["direction"] == "client")
SURROGATES = st.sampled_from(["\ud800", "a\udfff", "\udbff\udc00\ud800", "x" * 10 + "\udc00"])
HUGE = st.sampled_from([2**53, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30])
DEEP = st.integers(40, 400).map(lambda depth: json.loads("[" * depth + "]" * depth))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    low, high = schema.get("minLength", 0), schema.get("maxLength", 200)
    text = st.text(min_size=low, max_size=min(high, 24))
    if "minLength" in schema:  # "not empty" counts after trimming
        text = text.filter(lambda value: len(value.strip()) >= low)
    longest = st.just("é" * high) if high <= 70_000 else st.nothing()
    return st.one_of(text, longest)


def _integer(schema: dict[str, Any]) -> st.SearchStrategy[int]:
    low, high = schema.get("minimum", -(2**53) + 1), schema.get("maximum", 2**53 - 1)
    return st.one_of(st.just(low), st.just(high), st.integers(low, high), st.integers(low, min(high, low + 20)))


def _number(schema: dict[str, Any]) -> st.SearchStrategy[float]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    return st.floats(low, high, exclude_min="exclusiveMinimum" in schema, exclude_max="exclusiveMaximum" in schema,
                     allow_nan=False, allow_infinity=False)


def value(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Any value the schema allows."""
    schema = _resolve(schema, root)
    if "anyOf" in schema and "properties" not in schema:
        return st.one_of([value(option, root) for option in schema["anyOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, root)
    builders = {"string": lambda: _string(schema), "integer": lambda: _integer(schema),
                "number": lambda: _number(schema), "boolean": st.booleans, "null": st.none,
                "array": lambda: st.lists(value(schema.get("items", {}), root), max_size=min(schema.get("maxItems", 3), 6))}
    return builders[kind]()


def _object(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    drawn: st.SearchStrategy[dict[str, Any]]
    if properties:
        drawn = st.fixed_dictionaries({name: value(properties[name], root) for name in properties if name in required},
                                      optional={name: value(properties[name], root) for name in properties
                                                if name not in required})
    else:
        extra = schema.get("additionalProperties", {})
        names = schema.get("propertyNames", {"type": "string"})
        drawn = st.dictionaries(_string({**names, "type": "string"}), value(extra, root) if extra else st.none(),
                                max_size=min(schema.get("maxProperties", 3), 9))
    if "anyOf" in schema:  # object-level alternatives (presence.update: camera or mic)
        drawn = drawn.filter(lambda message: not published.problems(schema, message, root))
    return drawn


def valid(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = SCHEMAS[kind]["schema"]
    return value(schema, schema)


# ---- one thing wrong ----------------------------------------------------------------------------

WRONG_TYPES = st.one_of(st.just("7"), st.just("true"), st.booleans(), st.just(1.5), st.just(0), HUGE, st.none(),
                        st.lists(st.integers(), max_size=3), st.just({"$ref": "#"}), SURROGATES, DEEP)


def _spoiled(message: dict[str, Any], field: str, spoil: Any) -> dict[str, Any]:
    return {**message, field: spoil}


def hostile(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """A message of ``kind`` with one field replaced by something hostile (or an unknown field)."""
    properties = [name for name in SCHEMAS[kind]["schema"].get("properties", {}) if name != "type"]
    fields = st.sampled_from(properties) if properties else st.just("id")
    spoil = st.builds(_spoiled, valid(kind), fields, WRONG_TYPES)
    unknown = st.builds(_spoiled, valid(kind), st.sampled_from(["extra", "Type", "id ", "__proto__"]), st.integers())
    return st.one_of(spoil, unknown)


def message(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(valid(kind), hostile(kind))


any_message = st.sampled_from(CLIENT_KINDS).flatmap(message)


def has_surrogate(value: Any) -> bool:
    """Does ``value`` (a decoded JSON value) hold a lone surrogate anywhere, keys included?"""
    if isinstance(value, str):
        return not value.isascii() and any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(has_surrogate(item) for item in value)
