"""The websocket origin check: scripts without Origin get in, foreign pages do not."""
from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
PATH = "/ws/convenings/statewide-leadership-academy/"


async def _handshake(headers: list[tuple[bytes, bytes]]) -> tuple[bool, int | None]:
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return connected, code


async def test_a_script_without_origin_reaches_the_consumer() -> None:
    # It gets past the origin check to the convening's own admission, which accepts
    # and then explains (no token here) instead of a bare HTTP 403.
    communicator = WebsocketCommunicator(application, PATH)
    connected, _ = await communicator.connect()
    assert connected
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "unauthenticated"
    await communicator.disconnect()


async def test_a_page_on_our_own_host_is_admitted() -> None:
    connected, _ = await _handshake([(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")])
    assert connected


async def test_a_foreign_page_is_refused_at_the_handshake() -> None:
    connected, _ = await _handshake([(b"origin", b"https://evil.example"), (b"host", b"127.0.0.1:8000")])
    assert not connected
