"""Read models for pages: a convening's agenda as plain data, in its time zone."""
from __future__ import annotations

import datetime as dt
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


def sessions_for(convening: Convening) -> QuerySet[Session]:
    return convening.sessions.prefetch_related(
        "topics",
        Prefetch("presenters__user"),
        Prefetch("materials", queryset=Material.objects.order_by("title")),
    ).order_by("order", "starts_at")


def agenda(convening: Convening) -> list[AgendaItem]:
    tz = convening.tz
    return [
        AgendaItem(
            session=s,
            starts_local=s.starts_at.astimezone(tz),
            ends_local=s.ends_at.astimezone(tz),
            presenters=[p.name for p in s.presenters.all()],
            topics=list(s.topics.all()),
            materials=list(s.materials.all()),
        )
        for s in sessions_for(convening)
    ]
