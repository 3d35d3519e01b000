"""Websocket origin check: a browser page is admitted only from our own origin.

A websocket handshake carries the visitor's session cookie whichever page opens it, so
the check is what stops a foreign page from acting as a signed-in moderator. The rule is
Django's CSRF origin rule, applied to the handshake: the ``Origin`` header must equal the
request's own origin — scheme, host *and* port — or be listed in ``CSRF_TRUSTED_ORIGINS``
(same syntax, ``https://*.example.org`` included). Comparing hosts alone (as Channels'
AllowedHostsOriginValidator does) let ``http://localhost:9999``, any other program on the
same machine, ride a moderator's cookie.

* The own origin is the Host header (port included) with the handshake's scheme. Behind
  the reverse proxy the scheme comes from ``SECURE_PROXY_SSL_HEADER`` (X-Forwarded-Proto,
  deploy/nginx.conf), exactly as for HTTP requests; the Host must be in ALLOWED_HOSTS, so a
  DNS-rebound name cannot make a foreign page "own".
* A handshake without ``Origin`` is admitted. Browsers always send it, and the attack
  needs a browser. A client without it is a script (a synthetic participant, a load test,
  a monitoring probe): it authenticates with its own join-link token, so refusing it
  protects nothing and only hands its author an unexplained HTTP 403.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
# What Django itself allows when DEBUG is on and ALLOWED_HOSTS is empty.
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


def normalized(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) origin, default port filled in; None if it is
    not one (``null``, a path, a bad port...)."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def is_trusted(origin: str, trusted: Iterable[str]) -> bool:
    """Listed in CSRF_TRUSTED_ORIGINS: exactly, or under a ``scheme://*.domain`` entry."""
    mine = normalized(origin)
    if mine is None:
        return False
    for entry in trusted:
        if "*" in entry:
            parts = urlsplit(entry)
            if parts.scheme == mine[0] and is_same_domain(urlsplit(origin).netloc.lower(), parts.netloc.lstrip("*")):
                return True
        elif normalized(entry) == mine:
            return True
    return False


def origin_allowed(origin: str | None, own_origin: str | None, trusted: Iterable[str]) -> bool:
    """The decision, without I/O: no Origin (a script), our own origin, or a trusted one."""
    if origin is None:
        return True
    own = normalized(own_origin) if own_origin else None
    return (own is not None and normalized(origin) == own) or is_trusted(origin, trusted)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    return values[0].decode("latin-1") if values else None


def own_origin(scope: dict[str, Any]) -> str | None:
    """The handshake's own origin (as Django's request.is_secure() and get_host() see it);
    None without a Host header, or when the host is not one of ALLOWED_HOSTS."""
    host = _header(scope, b"host")
    allowed = settings.ALLOWED_HOSTS or (DEBUG_HOSTS if settings.DEBUG else [])
    if not host or not validate_host(split_domain_port(host)[0], allowed):
        return None
    secure = scope.get("scheme") in ("wss", "https")
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = _header(scope, meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if forwarded is not None:
            secure = forwarded.split(",")[0].strip() == secure_value
    return f"{'https' if secure else 'http'}://{host}"


class BrowserOriginValidator:
    """ASGI middleware: refuse a websocket handshake from a foreign page with HTTP 403."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            origin, own = _header(scope, b"origin"), own_origin(scope)
            if not origin_allowed(origin, own, settings.CSRF_TRUSTED_ORIGINS):
                logger.warning("websocket refused: Origin %.200r is neither this site's origin %r "
                               "nor in CSRF_TRUSTED_ORIGINS", origin, own)
                return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
