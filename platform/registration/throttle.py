"""A registration flood from one address: counted in Django's cache, refused with a 429.

A fixed window per client address (behind our proxies: config.signin.client_ip). Generous
enough for a school office registering its staff from one address, far below a script.
With the default local-memory cache each server process counts on its own; a shared cache
(Redis) makes it one count for the site.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from config.signin import client_ip
from registration.rules import over_limit

logger = logging.getLogger(__name__)


def limit() -> int:
    return int(settings.REGISTRATION_RATE_LIMIT)


def window_s() -> int:
    return int(settings.REGISTRATION_RATE_WINDOW_S)


def flooding(request: HttpRequest) -> bool:
    """Counts this attempt; True when this address has made too many in the window."""
    address = client_ip(request) or "unknown"
    key = f"convene:registration:attempts:{address}"
    cache.add(key, 0, timeout=window_s())
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_s())
        attempts = 1
    if over_limit(attempts, limit()):
        logger.warning("registration flood: %s attempts from %s in %ss", attempts, address, window_s())
        return True
    return False
