"""The websocket origin check, through the real ASGI application: scripts without Origin get
in; a page gets in only from this site's exact origin (scheme, host and port) or a trusted one."""
from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
PATH = "/ws/convenings/statewide-leadership-academy/"
HOST = (b"host", b"127.0.0.1:8000")


async def _handshake(headers: list[tuple[bytes, bytes]]) -> bool:
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


def _origin(value: str) -> tuple[bytes, bytes]:
    return b"origin", value.encode()


async def test_a_script_without_origin_reaches_the_consumer() -> None:
    # It gets past the origin check to the convening's own admission, which accepts
    # and then explains (no token here) instead of a bare HTTP 403.
    communicator = WebsocketCommunicator(application, PATH)
    connected, _ = await communicator.connect()
    assert connected
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "unauthenticated"
    await communicator.disconnect()


async def test_a_page_on_our_own_origin_is_admitted() -> None:
    assert await _handshake([_origin("http://127.0.0.1:8000"), HOST])
    assert await _handshake([_origin("http://localhost"), (b"host", b"localhost:80")])  # the default port either way


async def test_a_foreign_page_is_refused_at_the_handshake() -> None:
    assert not await _handshake([_origin("https://evil.example"), HOST])


async def test_another_port_on_our_host_is_refused() -> None:
    # Any other program on the machine (or another site on the same host) is another origin.
    assert not await _handshake([_origin("http://127.0.0.1:9999"), HOST])
    assert not await _handshake([_origin("http://localhost:9999"), (b"host", b"localhost:8000")])
    assert not await _handshake([_origin("http://127.0.0.1"), HOST])


async def test_another_scheme_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    assert not await _handshake([_origin("https://127.0.0.1:8000"), HOST])
    assert "websocket refused: Origin 'https://127.0.0.1:8000'" in caplog.text
    assert not await _handshake([_origin("null"), HOST])  # a sandboxed frame or a file


async def test_behind_the_proxy_the_forwarded_scheme_counts_when_settings_say_so(settings) -> None:  # noqa: ANN001
    settings.ALLOWED_HOSTS = ["convene.example.org"]
    host = (b"host", b"convene.example.org")
    https = (b"x-forwarded-proto", b"https")
    # Without SECURE_PROXY_SSL_HEADER the header is not believed (anyone can send it).
    assert not await _handshake([_origin("https://convene.example.org"), host, https])
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # config.settings_production
    assert await _handshake([_origin("https://convene.example.org"), host, https])
    assert not await _handshake([_origin("http://convene.example.org"), host, https])
    assert not await _handshake([_origin("https://convene.example.org"), host, (b"x-forwarded-proto", b"http")])


async def test_a_trusted_origin_is_admitted(settings) -> None:  # noqa: ANN001
    settings.CSRF_TRUSTED_ORIGINS = ["https://convene.example.org", "https://*.district.example"]
    assert await _handshake([_origin("https://convene.example.org"), HOST])
    assert await _handshake([_origin("https://academy.district.example"), HOST])
    assert not await _handshake([_origin("http://convene.example.org"), HOST])
    assert not await _handshake([_origin("https://convene.example.org:8443"), HOST])


async def test_a_host_outside_allowed_hosts_is_not_our_origin() -> None:
    # A DNS-rebound name points at our address, but it is not ours: its page stays foreign.
    assert not await _handshake([_origin("http://rebound.example:8000"), (b"host", b"rebound.example:8000")])
