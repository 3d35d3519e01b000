"""Read models for pages: a convening's agenda as plain data, in its time zone."""
from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from convenings.models import Convening, Material, Session, Topic


@dataclass(frozen=True)
class AgendaItem:
    session: Session
    starts_local: dt.datetime
    ends_local: dt.datetime
    presenters: list[str]
    topics: list[Topic]
    materials: list[Material]
    # The same times in the viewer's chosen zone; None when that is the convening's own.
    viewer_starts: dt.datetime | None = None
    viewer_ends: dt.datetime | None = None
    status: str = ""  # see session_status: "live", "next", "ended" or "" (later)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "")


# What the agenda marks a session with, in the words on the page.
STATUS_LABELS = {"live": "Live now", "next": "Up next", "ended": "Ended"}


def session_status(starts: dt.datetime, ends: dt.datetime, now: dt.datetime, is_next: bool) -> str:
    """A session is live from its start up to (not including) its end, ended from its end on;
    ``is_next`` marks the first one still to come."""
    if ends <= now:
        return "ended"
    if starts <= now:
        return "live"
    return "next" if is_next else ""


def sessions_for(convening: Convening) -> QuerySet[Session]:
    return convening.sessions.prefetch_related(
        "topics",
        Prefetch("presenters__user"),
        Prefetch("materials", queryset=Material.objects.order_by("title")),
    ).order_by("order", "starts_at")


def agenda(convening: Convening, viewer_time_zone: str | None = None,
           now: dt.datetime | None = None) -> list[AgendaItem]:
    """The sessions in order; with ``now``, each marked live, up next or ended."""
    tz = convening.tz
    viewer = zoneinfo.ZoneInfo(viewer_time_zone) if viewer_time_zone not in (None, convening.time_zone) else None
    sessions = list(sessions_for(convening))
    upcoming = [s.starts_at for s in sessions if now is not None and s.starts_at > now]
    first_upcoming = min(upcoming) if upcoming else None
    return [
        AgendaItem(
            session=s,
            starts_local=s.starts_at.astimezone(tz),
            ends_local=s.ends_at.astimezone(tz),
            presenters=[p.name for p in s.presenters.all()],
            topics=list(s.topics.all()),
            materials=list(s.materials.all()),
            viewer_starts=s.starts_at.astimezone(viewer) if viewer else None,
            viewer_ends=s.ends_at.astimezone(viewer) if viewer else None,
            status=session_status(s.starts_at, s.ends_at, now, s.starts_at == first_upcoming) if now else "",
        )
        for s in sessions
    ]


# The viewer's time zone: chosen with ?tz=Area/City, remembered in their session.
SESSION_KEY = "agenda_time_zone"
COMMON_TIME_ZONES = [
    "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York",
    "America/Anchorage", "Pacific/Honolulu", "UTC",
]


@dataclass(frozen=True)
class TimeZoneChoice:
    name: str | None  # None: show the convening's own time zone only
    error: str = ""
    remember: bool = False  # whether to store ``name`` in the session


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def choose_time_zone(requested: str | None, remembered: str | None) -> TimeZoneChoice:
    """An explicit, valid ``?tz=`` wins and is remembered; ``?tz=`` empty resets; anything
    else falls back to the remembered zone (if still valid)."""
    fallback = remembered if remembered in known_time_zones() else None
    if requested is None:
        return TimeZoneChoice(fallback)
    requested = requested.strip()
    if not requested:
        return TimeZoneChoice(None, remember=True)
    if requested in known_time_zones():
        return TimeZoneChoice(requested, remember=True)
    return TimeZoneChoice(fallback, error=f"“{requested[:64]}” is not a time zone we know. "
                                          "Pick one from the list, e.g. America/New_York.")


def session_at(convening_id: int, at: dt.datetime) -> Session | None:
    """The agenda item live at ``at`` (captions and recordings file their lines under it)."""
    return Session.objects.filter(convening_id=convening_id, starts_at__lte=at, ends_at__gt=at).first()
