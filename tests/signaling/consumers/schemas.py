"""The JSON Schemas the browser gets from /protocol.js, and a small validator for them.

Tests check every message the server sends against the same schemas the
frontend validates with, loaded from the generated module itself.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from signaling.protocol import DEFAULT_LIMITS
from signaling.protocol_export import protocol_js

TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict,
         "array": list, "null": type(None)}


def exported(name: str, module: str) -> Any:
    """The JSON value of ``export const <name> = Object.freeze(<json>);`` in the module text."""
    match = re.search(rf"export const {name} = Object\.freeze\((.*?)\);\n", module, re.S)
    assert match, f"{name} is not exported"
    return json.loads(match.group(1))


@lru_cache(maxsize=1)
def schemas() -> dict[str, dict[str, Any]]:
    return exported("SCHEMAS", protocol_js(DEFAULT_LIMITS))


def problems(schema: dict[str, Any], value: Any, root: dict[str, Any], path: str = "$") -> list[str]:
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        options = [problems(option, value, root, path) for option in schema["anyOf"]]
        if all(options):
            return [f"{path}: matches no option"]
        if "properties" not in schema:  # alternatives only; else (an object's "one of these
            return []                   # fields") its properties are checked below as well
    if "const" in schema and value != schema["const"]:
        return [f"{path}: must be {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: must be one of {schema['enum']}"]
    kind = schema.get("type")
    if kind and not (isinstance(value, TYPES[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))):
        return [f"{path}: must be {kind}"]
    found: list[str] = []
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
            found.append(f"{path}: wrong length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            found.append(f"{path}: out of range")
        if value <= schema.get("exclusiveMinimum", value - 1) or value >= schema.get("exclusiveMaximum", value + 1):
            found.append(f"{path}: out of range")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            found.append(f"{path}: wrong number of items")
        for index, item in enumerate(value):
            found += problems(schema.get("items", {}), item, root, f"{path}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [f"{path}.{name}: required" for name in schema.get("required", []) if name not in value]
        if len(value) > schema.get("maxProperties", len(value)):
            found.append(f"{path}: too many properties")
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                found += problems(properties[name], item, root, f"{path}.{name}")
            elif extra is False:
                found.append(f"{path}.{name}: not allowed")
            elif isinstance(extra, dict):
                found += problems(extra, item, root, f"{path}.{name}")
            if "propertyNames" in schema:
                found += problems({"type": "string", **schema["propertyNames"]}, name, root, f"{path}[key]")
    return found


def check(message: dict[str, Any], direction: str = "server") -> None:
    """Fail unless ``message`` is a valid message of its type in that direction."""
    entry = schemas().get(message.get("type", ""))
    assert entry is not None, f"unknown message type: {message}"
    assert entry["direction"] == direction, f"{message['type']} is a {entry['direction']} message"
    found = problems(entry["schema"], message, entry["schema"])
    assert not found, f"{message['type']} breaks its schema: {found}"
