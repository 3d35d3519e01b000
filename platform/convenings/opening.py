"""When people may enter a convening's live page: the doors, and the words for them.

Pure (no database, no I/O): the live page (frontend.views) and the websocket's admission
(signaling.consumers.admission) both ask :func:`may_enter`, so the page's waiting state and
the server's refusal (close 4425, error ``not_open_yet``) never disagree.

Participants wait in the lobby until the doors open, a few minutes before the start; the
people who run the convening (organizers, moderators, presenters) may enter early to set
up. After the end everyone may still enter (the share-out and surveys stay useful); the
page says the convening has ended.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# How long before the start participants may enter: long enough to settle in and test a
# camera with others, short enough that nobody sits alone in an empty plenary.
EARLY_ENTRY = dt.timedelta(minutes=15)
# Convening roles that set things up before the doors open.
EARLY_ROLES = frozenset({"organizer", "moderator", "presenter"})


class Phase(StrEnum):
    BEFORE = "before"  # participants wait in the lobby
    OPEN = "open"  # the doors are open (from EARLY_ENTRY before the start until the end)
    ENDED = "ended"


@dataclass(frozen=True)
class Doors:
    """A convening's start, end and time zone: what the doors need to know."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str

    @classmethod
    def of(cls, convening: Any) -> Doors:
        """A convening's doors (anything with ``starts_at``, ``ends_at`` and ``time_zone``)."""
        return cls(convening.starts_at, convening.ends_at, convening.time_zone)

    @property
    def open_at(self) -> dt.datetime:
        return self.starts_at - EARLY_ENTRY

    @property
    def tz(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC  # a bad zone is the model's validation's business; times still show

    def phase(self, now: dt.datetime) -> Phase:
        if now < self.open_at:
            return Phase.BEFORE
        return Phase.OPEN if now < self.ends_at else Phase.ENDED


def may_enter(role: str, doors: Doors, now: dt.datetime) -> bool:
    """Whether someone of this convening role may enter the live convening now."""
    return role in EARLY_ROLES or doors.phase(now) is not Phase.BEFORE


def clock_time(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """``8:00 AM PST``: a time as people in the convening's time zone read it."""
    local = moment.astimezone(tz)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"


def day_and_time(moment: dt.datetime, tz: dt.tzinfo, now: dt.datetime) -> str:
    """``at 8:00 AM PST`` today, ``tomorrow at …``, ``yesterday at …``, else ``on Monday, December 7 at …``."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    at = f"at {clock_time(moment, tz)}"
    if local.date() == today:
        return at
    if local.date() == today + dt.timedelta(days=1):
        return f"tomorrow {at}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {at}"
    return f"on {local:%A, %B} {local.day} {at}"


def not_open_yet(title: str, doors: Doors, now: dt.datetime) -> str:
    """Why a participant is refused before the doors open; ends with the opening time in
    ISO 8601 (UTC) so scripts can wait for it."""
    tz = doors.tz
    return (f"{title} opens {day_and_time(doors.starts_at, tz, now)}; participants can join from "
            f"{clock_time(doors.open_at, tz)}. Doors open at {doors.open_at.astimezone(dt.UTC).isoformat()}.")
