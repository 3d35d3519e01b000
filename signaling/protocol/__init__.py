"""Convene's live websocket protocol, written once and shared with the browser.

Every message is a pydantic model with a ``type`` discriminator, registered by
its family module (``plenary.py``, ``breakouts.py``, ``media.py`` …). Each
module in this package is imported below, so adding a family means adding a
module that calls :func:`register` — nothing else changes. ``docs/protocol.md``
and ``/protocol.js`` are generated from these models (``signaling.protocol_export``).
"""
from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

from pydantic import ValidationError

from signaling.protocol.base import (
    CLIENT_TYPES,
    DEFAULT_LIMITS,
    PLENARY,
    PROTOCOL_VERSION,
    SERVER_TYPES,
    ClientMessage,
    Error,
    ErrorCode,
    Limits,
    Message,
    ProtocolError,
    ServerMessage,
    current_limits,
    printable,
    register,
    whole_unicode,
)

__all__ = [
    "CLIENT_TYPES", "DEFAULT_LIMITS", "PLENARY", "PROTOCOL_VERSION", "SERVER_TYPES", "ClientMessage",
    "Error", "ErrorCode", "Limits", "Message", "ProtocolError", "ServerMessage", "current_limits",
    "error_reply", "families", "parse_client_message", "register",
]


def _import_families() -> None:
    """Import every module of this package: each registers its own message types."""
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


_import_families()


def families() -> list[str]:
    """Registered families, ``core`` first (ping, pong, error), then by name."""
    names = {model.family for model in [*CLIENT_TYPES.values(), *SERVER_TYPES.values()]}
    return sorted(names, key=lambda name: (name != "core", name))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


BINARY_FRAME = "Binary frames are not part of the protocol: send each message as a JSON text frame."


def _decode(raw: str | bytes, limits: Limits) -> Any:
    if isinstance(raw, bytes):  # the published protocol is text frames only (browsers send text)
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, BINARY_FRAME)
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > limits.max_message_bytes:
        raise ProtocolError(ErrorCode.TOO_LARGE,
                            f"Messages are limited to {limits.max_message_bytes} bytes (got {size}).")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise ProtocolError(ErrorCode.INVALID_JSON, f"Not valid JSON: {str(exc)[:120]}") from exc


def _ref(data: dict[str, Any]) -> str | None:
    """The message's ``id`` if it is one a reply may echo (a short string of whole Unicode)."""
    ref = data.get("id")
    if not isinstance(ref, str) or len(ref) > 64:
        return None
    try:
        return whole_unicode(ref)
    except ValueError:
        return None


def _detail(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in err['loc']) or 'message'}: {err['msg']}"
             for err in exc.errors(include_url=False, include_input=False, include_context=False)]
    text = printable("; ".join(parts))  # a path may hold a client's dict key, lone surrogates and all
    return text if len(text) <= 300 else text[:297] + "..."


def _is_version(value: Any) -> bool:
    # Exactly the integer: ``true == 1`` and ``1.0 == 1`` in Python, not in the schema.
    return type(value) is int and value == PROTOCOL_VERSION


def parse_client_message(raw: str | bytes, limits: Limits = DEFAULT_LIMITS) -> ClientMessage:
    """One client frame → its typed message, or ProtocolError saying exactly what is wrong."""
    data = _decode(raw, limits)
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "A message is a JSON object with a \"type\".")
    ref = _ref(data)
    version = data.pop("v", PROTOCOL_VERSION)
    if not _is_version(version):
        raise ProtocolError(ErrorCode.PROTOCOL_VERSION,
                            f"This server speaks protocol version {PROTOCOL_VERSION}; reload the page.", ref)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "A message needs a string \"type\".", ref)
    model = CLIENT_TYPES.get(kind)
    if model is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, printable(f"Unknown message type {kind[:64]!r}."), ref)
    try:
        message = model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{kind}: {_detail(exc)}", ref) from exc
    message.check_limits(limits)
    return message


def error_reply(exc: ProtocolError) -> Error:
    """The ``error`` for a refusal; its text is made printable (it may quote what was sent)."""
    return Error(code=exc.code, message=printable(exc.message), ref=None if exc.ref is None else printable(exc.ref))
