"""Who a websocket's browser is signed in as: read on the database trip that admits it.

Channels' ``AuthMiddlewareStack`` reads the session's user on a database trip of its own
*before* the consumer runs, so before the handshake is accepted. During a burst of arrivals
that trip queues behind everyone else's joins on the worker's one database thread, and daphne
drops a handshake not accepted within its timeout (5 s): in bench/breakout_open.py half of
100 late joiners arriving in 2 s never connected. Here ``scope["user"]`` is lazy instead: it is
read where it is first used, inside ``signaling.consumers.admission.admit`` (already on the
database thread), so a signed-in browser costs no extra trip and a join link costs no session
read at all. Only code on the database thread may touch ``scope["user"]`` (the event loop
gets Django's SynchronousOnlyOperation, loudly).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class _SessionOnly:
    """What ``django.contrib.auth.get_user`` reads of a request: its session."""

    session: Any


def session_user(scope: dict[str, Any]) -> AbstractBaseUser | AnonymousUser:
    """The user the scope's session is signed in as (Django's own checks: backend, session hash)."""
    return auth.get_user(_SessionOnly(scope["session"]))  # type: ignore[arg-type]


class LazyUserMiddleware(BaseMiddleware):
    """``scope["user"]``, read on first use (on the database thread), not before the handshake."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope.setdefault("user", SimpleLazyObject(lambda: session_user(scope)))
        return await super().__call__(scope, receive, send)


def SessionUserStack(inner: Any) -> Any:  # noqa: N802 — named like Channels' AuthMiddlewareStack
    return CookieMiddleware(SessionMiddleware(LazyUserMiddleware(inner)))
