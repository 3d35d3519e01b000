"""From attendance intervals to PD hours. Pure: no database, no Django.

Minutes attended in a session are the person's union of intervals (every tab, the plenary
and every breakout room together; overlaps count once) clipped to the session's window.
A session counts when attended for at least ``percent`` of it; it then credits its whole
length to its category, which is how state PD credit (e.g. New York's CTLE) is written:
the hours of the activity attended, not the minutes someone happened to be connected.

A session still running when hours are worked out (``as_of`` before its end) is judged on
the part that has happened; a session not yet begun is left out.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reports import intervals
from reports.intervals import Interval

# Waiting in the lobby before a session is not attending it.
NOT_ATTENDING = frozenset({"lobby"})


@dataclass(frozen=True)
class SessionWindow:
    session_id: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    category: str  # "" when the session earns no credit


@dataclass(frozen=True)
class SessionHours:
    session: SessionWindow
    length: dt.timedelta  # the part of the session that has happened
    attended: dt.timedelta
    counts: bool  # attended enough for the session's credit (and the session earns credit)

    @property
    def minutes_attended(self) -> int:
        return intervals.minutes(self.attended)

    @property
    def credit_minutes(self) -> int:
        return intervals.minutes(self.length) if self.counts else 0


def attending(rows: Iterable[tuple[str, dt.datetime, dt.datetime]]) -> list[Interval]:
    """The intervals of (space, start, end) rows that are attendance in a session."""
    return [(start, end) for space, start, end in rows if space not in NOT_ATTENDING]


def attended_within(spans: Iterable[Interval], window: Interval) -> dt.timedelta:
    """Time present inside ``window``, overlapping tabs and spaces counted once."""
    return intervals.total(intervals.clip(intervals.merge(spans), window))


def enough(attended: dt.timedelta, length: dt.timedelta, percent: int) -> bool:
    """At least ``percent`` of ``length``, compared exactly (no rounding to minutes)."""
    return length > dt.timedelta(0) and attended * 100 >= length * percent


def session_hours(spans: Sequence[Interval], sessions: Iterable[SessionWindow], percent: int,
                  as_of: dt.datetime) -> list[SessionHours]:
    """One entry per session that has begun by ``as_of``, in the order given."""
    merged = intervals.merge(spans)
    result = []
    for session in sessions:
        end = min(session.ends_at, as_of)
        if end <= session.starts_at:
            continue
        attended = attended_within(merged, (session.starts_at, end))
        length = end - session.starts_at
        result.append(SessionHours(session, length, attended,
                                   bool(session.category) and enough(attended, length, percent)))
    return result


def totals(hours: Iterable[SessionHours], categories: Sequence[str]) -> dict[str, int]:
    """Credit minutes per category, in the organizer's order; categories with none left out."""
    by_category: dict[str, int] = {}
    for entry in hours:
        if entry.counts:
            by_category[entry.session.category] = by_category.get(entry.session.category, 0) + entry.credit_minutes
    order = {name: i for i, name in enumerate(categories)}
    return dict(sorted(by_category.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def hours_text(minutes: int) -> str:
    """Minutes as hours the way certificates print them: 60 → "1.00", 45 → "0.75"."""
    return f"{minutes / 60:.2f}"
