"""Read side: every team's and room's Top 5 for the share-out, the report and JSON."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from action_items.models import ActionItem
from convenings.models import Convening, Session
from people.models import SchoolLeadershipTeam


@dataclass(frozen=True)
class TopFive:
    kind: str  # "team" or "room"
    key: str  # team id or room key
    name: str
    detail: str  # the team's school, or the room's session
    items: list[ActionItem]


@dataclass(frozen=True)
class ShareOut:
    teams: list[TopFive]
    rooms: list[TopFive]


def share_out(convening: Convening) -> ShareOut:
    items = list(convening.action_items.select_related("session", "updated_by__user").order_by("rank"))
    return ShareOut(_teams(convening, items), _rooms(items))


def teams_in(convening: Convening) -> QuerySet[SchoolLeadershipTeam]:
    """The teams that belong in this convening's share-out: a member is registered for
    it, or the team already has action items in it (kept when a member's registration goes)."""
    return SchoolLeadershipTeam.objects.filter(
        Q(members__registrations__convening=convening) | Q(action_items__convening=convening)).distinct()


def _teams(convening: Convening, items: list[ActionItem]) -> list[TopFive]:
    # Teams with someone registered are listed even before they write anything, so the
    # plenary can see who is still working on their list.
    teams = SchoolLeadershipTeam.objects.filter(
        pk__in={i.team_id for i in items if i.team_id} | set(
            convening.registrations.filter(participant__team__isnull=False).values_list("participant__team", flat=True))
    ).select_related("school").order_by("school__name", "name")
    return [TopFive("team", str(t.pk), t.name, t.school.name, [i for i in items if i.team_id == t.pk]) for t in teams]


def _rooms(items: list[ActionItem]) -> list[TopFive]:
    by_room: dict[str, list[ActionItem]] = {}
    for item in items:
        if item.room_key:
            by_room.setdefault(item.room_key, []).append(item)
    return [TopFive("room", key, _room_name(group), group[0].session.title if group[0].session else "", group)
            for key, group in sorted(by_room.items(), key=lambda kv: _room_name(kv[1]).lower())]


def _room_name(items: list[ActionItem]) -> str:
    return next((i.room_name for i in items if i.room_name), items[0].room_key or "")


def as_json(convening: Convening, data: ShareOut) -> dict[str, object]:
    return {"convening": convening.slug,
            "teams": [_group_json(g, "team_id", int(g.key)) for g in data.teams],
            "rooms": [_group_json(g, "room_key", g.key) for g in data.rooms]}


def _group_json(group: TopFive, key_name: str, key: object) -> dict[str, object]:
    return {key_name: key, "name": group.name, "detail": group.detail,
            "items": [{"rank": n, "text": i.text, "updated_at": i.updated_at.isoformat()}
                      for n, i in enumerate(group.items, start=1)]}


def session_at(convening: Convening, now: dt.datetime) -> Session | None:
    return convening.sessions.filter(starts_at__lte=now, ends_at__gt=now).first()
