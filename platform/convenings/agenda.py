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


def sessions_for(convening: Convening) -> QuerySet[Session]:
    return convening.sessions.prefetch_related(
        "topics",
        Prefetch("presenters__user"),
        Prefetch("materials", queryset=Material.objects.order_by("title")),
    ).order_by("order", "starts_at")


def agenda(convening: Convening, viewer_time_zone: str | None = None) -> list[AgendaItem]:
    tz = convening.tz
    viewer = zoneinfo.ZoneInfo(viewer_time_zone) if viewer_time_zone not in (None, convening.time_zone) else None
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
        )
        for s in sessions_for(convening)
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
