"""Who may read which transcript: plain functions (no database), tested directly."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Interval = tuple[dt.datetime, dt.datetime | None]  # joined, left (None: still there)


def was_there(stays: Iterable[Interval], first: dt.datetime, last: dt.datetime) -> bool:
    """Someone was in the space at some moment between the transcript's first and last line:
    their own room's words, not a room they passed through before or after it was captioned."""
    return any(joined <= last and (left is None or left >= first) for joined, left in stays)

