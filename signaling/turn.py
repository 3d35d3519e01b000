"""ICE servers for one connection: STUN, and TURN with time-limited credentials.

A TURN password handed to every browser is everyone's for good: anyone who opens the live
page once can relay through our TURN server forever. With ``TURN_SECRET`` the server
instead mints a credential per connection in coturn's shared-secret ("TURN REST API")
scheme, which coturn checks with the same secret (``use-auth-secret``):

    username   = "<expiry unix time>:<who>"
    credential = base64(HMAC-SHA1(secret, username))

so a leaked credential names its participant and stops working at its expiry.
``TURN_USERNAME``/``TURN_PASSWORD`` (a static pair, for TURN servers without the scheme)
still work when no secret is set.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

IceServer = dict[str, Any]  # RTCIceServer shape: {"urls": [...], "username"?, "credential"?}


@dataclass(frozen=True)
class TurnSecret:
    urls: tuple[str, ...]
    secret: str
    ttl_s: int


def turn_credential(secret: str, who: str, expires_at: int) -> tuple[str, str]:
    """(username, credential) valid until ``expires_at`` (unix seconds) for coturn's
    ``use-auth-secret``; ``who`` identifies the holder in coturn's logs."""
    username = f"{expires_at}:{who}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(who: str, now: float, static: Sequence[IceServer], turn: TurnSecret | None) -> list[IceServer]:
    """``static`` servers (STUN, a static TURN pair) plus TURN with a fresh credential."""
    servers = [dict(server) for server in static]
    if turn is not None and turn.urls and turn.secret:
        username, credential = turn_credential(turn.secret, who, int(now) + turn.ttl_s)
        servers.append({"urls": list(turn.urls), "username": username, "credential": credential})
    return servers


def connection_ice_servers(who: str) -> list[IceServer]:
    """The ICE servers for a new connection of ``who`` now, from the settings."""
    from django.conf import settings  # late: the media worker's core does not need Django

    turn = TurnSecret(tuple(settings.TURN_URLS), settings.TURN_SECRET, settings.TURN_CREDENTIAL_TTL_S)
    return ice_servers_for(who, time.time(), settings.ICE_SERVERS, turn)
