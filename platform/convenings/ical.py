"""iCalendar export of an agenda, built with the ``icalendar`` library.

Times are written in the convening's time zone (``DTSTART;TZID=...``) with a matching
VTIMEZONE, so calendars show "9:45 AM Pacific" and convert correctly for viewers
elsewhere. UIDs are stable per session and site, so re-importing updates events
instead of duplicating them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urljoin

from icalendar import Calendar, Event

from convenings.agenda import AgendaItem
from convenings.models import Convening

PRODID = "-//Convene//Convening agenda//EN"


def agenda_calendar(convening: Convening, items: Iterable[AgendaItem], base_url: str,
                    stamp: dt.datetime) -> Calendar:
    """A calendar with one event per agenda item. ``base_url``: "https://host/" for links."""
    calendar = Calendar.new(prodid=PRODID, name=convening.title, description=convening.description or None,
                            url=_absolute(base_url, convening.get_absolute_url()))
    for item in items:
        calendar.add_component(session_event(convening, item, base_url, stamp))
    _add_time_zones(calendar, convening)
    return calendar


def session_event(convening: Convening, item: AgendaItem, base_url: str, stamp: dt.datetime) -> Event:
    session = item.session
    tz = convening.tz
    return Event.new(
        uid=f"convene-session-{session.pk}@{_host(base_url)}",
        stamp=stamp.astimezone(dt.UTC),
        start=session.starts_at.astimezone(tz),
        end=session.ends_at.astimezone(tz),
        summary=f"{session.title} · {convening.title}",
        description=describe(item, base_url),
        url=_absolute(base_url, f"{convening.get_absolute_url()}#session-{session.pk}"),
        location=f"Online: {_absolute(base_url, convening.get_absolute_url())}",
        categories=[session.get_kind_display(), *(t.name for t in item.topics)],
    )


def describe(item: AgendaItem, base_url: str) -> str:
    """The event's DESCRIPTION: the session text, then presenters, topics and materials."""
    parts = [item.session.description] if item.session.description else []
    if item.presenters:
        parts.append("Presenters: " + ", ".join(item.presenters))
    if item.topics:
        parts.append("Topics: " + ", ".join(f"{t.name} ({t.get_kind_display()})" for t in item.topics))
    if item.materials:
        parts.append("Materials:\n" + "\n".join(f"- {m.title}: {_absolute(base_url, m.href)}" for m in item.materials))
    return "\n\n".join(parts)


def _add_time_zones(calendar: Calendar, convening: Convening) -> None:
    # Only the transitions around the convening: a full 1970–2038 VTIMEZONE is 10 kB of noise.
    first = convening.starts_at.date() - dt.timedelta(days=366)
    last = convening.ends_at.date() + dt.timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=last)


def _absolute(base_url: str, path: str) -> str:
    return urljoin(base_url, path) if path else ""


def _host(base_url: str) -> str:
    return base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "convene"
