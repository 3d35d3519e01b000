"""The worker's database thread keeps its database connection from one trip to the next.

Every websocket's database work runs on one thread per worker (``database_sync_to_async``),
and Channels closes the connection after each trip unless ``CONN_MAX_AGE`` says otherwise.
With ``CONN_MAX_AGE = 0`` (right for pages: under ASGI each request has a thread of its own,
and a kept connection would outlive it) every trip opened a new PostgreSQL connection, a
server process forked and set up, several times per join: during a burst of late joiners
that was most of the queue everyone waited in (bench/breakout_open.py).

So only connections opened on a trip through :class:`DatabaseTrip` (the consumers' door,
``signaling.consumers.handlers.db``, and admission) live for ``DATABASE_THREAD_CONN_MAX_AGE_S``.
Everything else is Django's and Channels' own behaviour: ``close_old_connections`` before
and after each trip still drops a connection that failed, was left outside autocommit or is
older than that, and a kept connection is health-checked (one ``SELECT 1``) on the first
query of each trip, so a restarted database costs a reconnect, not a failed join. Connecting
keeps ``connect_timeout`` (a database that never answers is refused in time as before).
"""
from __future__ import annotations

import threading
import time
from typing import Any

from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

_thread = threading.local()


class DatabaseTrip(DatabaseSyncToAsync):
    """``database_sync_to_async`` whose thread keeps the connections it opens (see above)."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        _thread.keeps = True  # this is a websocket database thread: it lives as long as the worker
        return super().thread_handler(loop, *args, **kwargs)


def _kept(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    keep_s = float(settings.DATABASE_THREAD_CONN_MAX_AGE_S)
    if keep_s > 0 and getattr(_thread, "keeps", False):
        connection.close_at = time.monotonic() + keep_s
        connection.health_check_enabled = True


connection_created.connect(_kept, dispatch_uid="signaling.db_thread")
