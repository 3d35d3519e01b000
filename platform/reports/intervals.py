"""Time present as the union of intervals: overlapping tabs or spaces count once. Pure."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Interval = tuple[dt.datetime, dt.datetime]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering exactly the same time.
    Touching intervals (one ends as the next starts) become one; empty ones vanish."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def total(intervals: Iterable[Interval]) -> dt.timedelta:
    return sum(((end - start) for start, end in merge(intervals)), dt.timedelta())


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of ``intervals`` inside ``window``."""
    low, high = window
    return [(max(s, low), min(e, high)) for s, e in intervals if min(e, high) > max(s, low)]


def minutes(duration: dt.timedelta) -> int:
    # Whole minutes, rounded half up, so 29'30" of presence shows as 30.
    return int((duration.total_seconds() + 30) // 60)
