"""Handlers: one short function per client message type.

A handler module decorates its functions with :func:`handles`; every module in
this package is imported below, so a new family (breakouts, media) adds a
module here and nothing else. ``dispatch`` checks the role once, runs the
handler and turns the actions' NotFound into a ``not_found`` error.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from convenings.permissions import Action
from rooms import spaces
from rooms.actions import NotFound
from signaling.consumers.connection import Connection
from signaling.consumers.handlers._domain_errors import DOMAIN_ERRORS, translate
from signaling.db_thread import DatabaseTrip
from signaling.protocol import ClientMessage, ErrorCode, ProtocolError

M = TypeVar("M", bound=ClientMessage)
Handler = Callable[[Connection, Any], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    handler: Handler
    requires: Action | None
    what: str


ROUTES: dict[type[ClientMessage], Route] = {}


def handles(message_type: type[M], *, requires: Action | None = None, what: str = "do that",
            ) -> Callable[[Callable[[Connection, M], Awaitable[None]]], Callable[[Connection, M], Awaitable[None]]]:
    """Register the handler of ``message_type``; ``requires`` is checked before it runs."""

    def register(handler: Callable[[Connection, M], Awaitable[None]]) -> Callable[[Connection, M], Awaitable[None]]:
        if message_type in ROUTES:
            raise ValueError(f"{message_type.type_name()} already has a handler")
        ROUTES[message_type] = Route(handler, requires, what)
        return handler

    return register


async def dispatch(conn: Connection, message: ClientMessage) -> None:
    route = ROUTES.get(type(message))
    if route is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"{message.type_name()} is not handled here.", message.id)
    if route.requires is not None:
        conn.require(route.requires, message.id, route.what)
    try:
        await route.handler(conn, message)
    except NotFound as exc:
        raise ProtocolError(ErrorCode.NOT_FOUND, str(exc), message.id) from exc
    except DOMAIN_ERRORS as exc:  # the one place domain errors become protocol errors
        raise translate(exc, message.id) from exc


def db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run a synchronous action or query off the event loop (on the worker's database thread,
    which keeps its connection: signaling/db_thread.py)."""
    return DatabaseTrip(function)


async def space_for(conn: Connection, requested: str | None, ref: str | None) -> str:
    """The space a message is about: your own, or (join_any_room) any that exists."""
    if requested is None or requested == conn.space:
        return conn.space
    if not await db(spaces.exists)(conn.convening_id, requested):
        raise ProtocolError(ErrorCode.NOT_FOUND, f"There is no space {requested!r} in this convening.", ref)
    conn.require(Action.JOIN_ANY_ROOM, ref, f"use {requested!r} while you are in {conn.space!r}")
    return requested


def _import_handler_modules() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


_import_handler_modules()
