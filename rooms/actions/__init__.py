"""State changes of a live convening: write the database, then publish.

Each function here is synchronous (the consumers call them through
``database_sync_to_async``), changes the database inside a transaction and
announces the result with ``publish.publish`` — which sends only after the
transaction commits, so nobody hears about a change that was rolled back.
``publish.py`` is the only module that calls ``group_send``.
"""
from __future__ import annotations


class NotFound(LookupError):
    """The thing a request names (a chat message, a raised hand, a person) is not there."""
