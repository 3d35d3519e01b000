"""What is due now: plain functions of times, with no clock and no database (tests pass ``now``)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# How long after the convening "the survey is waiting" may still go out: a worker that was
# down when the convening ended catches up, but nobody is asked about a convening long past.
SURVEY_NUDGE_WINDOW = dt.timedelta(days=7)


def due_reminder(starts_at: dt.datetime, offsets: Iterable[dt.timedelta], now: dt.datetime) -> dt.timedelta | None:
    """Which reminder is due: the one whose time (``starts_at - offset``) has come most
    recently, while the convening has not started. An earlier reminder whose time passed
    unsent (reminders turned on late, every worker down) is not sent as well: one reminder
    at a time, the latest."""
    if now >= starts_at:
        return None
    due = [offset for offset in offsets if offset > dt.timedelta(0) and starts_at - offset <= now]
    return min(due) if due else None


def survey_nudge_due(ends_at: dt.datetime, now: dt.datetime, *, open_until: dt.datetime | None,
                     closed: bool) -> bool:
    """Whether "the survey is waiting" goes out now: the convening has ended (within the
    window) and the survey still takes answers."""
    if closed or not (ends_at <= now < ends_at + SURVEY_NUDGE_WINDOW):
        return False
    return open_until is None or now < open_until


def describe_offset(offset: dt.timedelta) -> str:
    """'1 day', '1 hour', '90 minutes': for the organizer's form and list."""
    minutes = int(offset.total_seconds() // 60)
    for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "0 minutes"
