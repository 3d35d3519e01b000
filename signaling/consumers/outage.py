"""Is a failure the database or the channel layer not answering (an outage), or a bug?

An outage is said to the client (``error`` ``unavailable`` before the close, so a browser
can tell "the service is down, retrying" from a bug); a bug stays ``internal``.
"""
from __future__ import annotations

from django.db import InterfaceError, OperationalError

try:  # channels_redis's client; absent where only the in-memory layer is installed
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    _REDIS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    _REDIS = ()

OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError, TimeoutError,
                                             *_REDIS)
UNAVAILABLE = "The convening is unavailable for a moment (our database or messaging is not answering); reconnecting."


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a service not answering, not a bug of ours."""
    seen: BaseException | None = exc
    for _ in range(5):  # a short chain: psycopg's error wrapped by Django's, and so on
        if seen is None:
            return False
        if isinstance(seen, OUTAGES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
