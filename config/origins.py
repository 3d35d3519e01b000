"""Websocket origin check that admits non-browser clients.

Browsers always send ``Origin`` on a websocket handshake, and the attack the check
exists for — a foreign page opening a socket that rides the visitor's session cookie —
needs a browser. A client without ``Origin`` is a script (a synthetic participant, a
load test, a monitoring probe): it authenticates with its own join-link token, so
refusing it protects nothing and only hands its author an unexplained HTTP 403.
A foreign ``Origin`` is still refused, exactly as Channels' AllowedHostsOriginValidator does.
"""
from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Refuse foreign origins (by ALLOWED_HOSTS); admit handshakes with no Origin header."""

    def __init__(self, application: Any) -> None:
        allowed = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed:
            allowed = ["localhost", "127.0.0.1", "[::1]"]  # Django's own DEBUG default
        super().__init__(application, allowed)

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)
