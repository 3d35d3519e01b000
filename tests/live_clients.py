"""Websocket clients for live tests (re-exported by tests/live.py, which documents the API).

``Expecting`` is the shared ``expect`` logic; ``WsClient`` talks to a real daphne server.
tests/signaling/consumers/helpers.py has the same API over channels' WebsocketCommunicator.
"""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.live import DaphneServer

DEMO_SLUG = "statewide-leadership-academy"
DEMO_PASSWORD = "convene-demo"  # the demo's moderators, presenters and organizer (README)
# Moderators and organizers get no join link (platform/convenings/joinlinks.py): they sign in.
_PEOPLE_BY_ROLE = ("import json; from convenings.models import Registration as R; print(json.dumps([dict("
                   "participant_id=r.participant_id, username=r.participant.user.username, "
                   "name=r.participant.name, role=r.role) for r in R.objects.filter("
                   "convening__slug=%r, role=%r).select_related('participant__user')"
                   ".order_by('participant__user__username')]))")


def password_rows(db_url: str, role: str = "moderator", slug: str = DEMO_SLUG) -> list[dict[str, Any]]:
    """Rows like ``join_tokens``'s, without a token, for people who sign in with a password."""
    from tests.live import manage

    out = manage(db_url, "shell", "-v0", "-c", _PEOPLE_BY_ROLE % (slug, role))
    return json.loads(out.strip().splitlines()[-1])


def password_cookie(server: DaphneServer, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in at /accounts/login/ as a browser does; the ``Cookie`` header a websocket then sends."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"{server.http_url}/accounts/login/"
    page = opener.open(url, timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf, "the sign-in page has a CSRF token"
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf.group(1), "username": username,
                                   "password": password}).encode()
    opener.open(urllib.request.Request(url, data=form, headers={"Referer": url}), timeout=10).read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    assert session, f"signing in as {username} failed"
    return f"sessionid={session}"


def ws_path(slug: str, token: str) -> str:
    """The live websocket's path: with a join-link token, or none (a password session's cookie)."""
    return f"/ws/convenings/{slug}/" + (f"?join={token}" if token else "")


MessagePredicate = Callable[[dict[str, Any]], bool]


class Expecting:
    """Wait for a message of some type; keep the others (``seen``) for later expects.

    A ``batch`` frame is unpacked: its messages count as if they came one by one.
    """

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self._unpacked: list[dict[str, Any]] = []

    async def _next(self, timeout: float) -> dict[str, Any]:
        """The next frame, decoded (subclasses)."""
        raise NotImplementedError

    async def _receive(self, timeout: float) -> dict[str, Any]:
        if not self._unpacked:
            message = await self._next(timeout)
            self._unpacked = message["messages"] if message.get("type") == "batch" else [message]
        return self._unpacked.pop(0)

    async def expect(self, type: str, predicate: MessagePredicate | None = None,  # noqa: A002
                     timeout: float = 5.0) -> dict[str, Any]:
        def wanted(message: dict[str, Any]) -> bool:
            return message.get("type") == type and (predicate is None or predicate(message))

        for index, message in enumerate(self.seen):
            if wanted(message):
                return self.seen.pop(index)
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await self._receive(remaining)
            except TimeoutError:
                break
            if wanted(message):
                return message
            self.seen.append(message)
        kinds = [m.get("type") for m in self.seen][-20:]
        raise AssertionError(f"no {type!r} message within {timeout}s (meanwhile: {kinds})")

    async def expect_any(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next message, whatever its type (kept ones first)."""
        return self.seen.pop(0) if self.seen else await self._receive(timeout)

    async def expect_error(self, code: str, timeout: float = 5.0) -> dict[str, Any]:
        return await self.expect("error", lambda m: m["code"] == code, timeout)

    def take(self, type: str) -> list[dict[str, Any]]:  # noqa: A002
        """Remove and return the kept messages of ``type``."""
        taken = [m for m in self.seen if m.get("type") == type]
        self.seen = [m for m in self.seen if m.get("type") != type]
        return taken


class WsClient(Expecting):
    """A participant's websocket to a live server (``websockets`` library)."""

    def __init__(self, socket: Any) -> None:
        super().__init__()
        self.socket = socket

    @classmethod
    async def open(cls, server: DaphneServer, token: str = "", slug: str = DEMO_SLUG, *,
                   cookie: str | None = None) -> WsClient:
        """With a join-link token, or with ``cookie`` from ``password_cookie`` (moderators)."""
        from websockets.asyncio.client import connect

        socket = await connect(server.ws_url(ws_path(slug, token)), origin=server.http_url,  # type: ignore[arg-type]
                               additional_headers={"Cookie": cookie} if cookie else None,
                               max_size=16 * 1024 * 1024, open_timeout=10)
        return cls(socket)

    async def send(self, type: str, **fields: Any) -> None:  # noqa: A002 — the protocol's word
        await self.socket.send(json.dumps({"type": type, **fields}))

    async def _next(self, timeout: float) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), timeout))

    async def close(self) -> None:
        await self.socket.close()
