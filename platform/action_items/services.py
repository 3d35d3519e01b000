"""Changing a Top 5 list: one transaction per change, serialized per convening.

Call these from views (team pages) and from the breakouts code (room lists), e.g.
``add(Owner.of_room(convening.pk, "s2-r3", "Parent Engagement · Room 3"), "Start a parent tech night", by=p)``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from action_items import ranking
from action_items.models import ActionItem
from action_items.ranking import Entry
from convenings.models import Convening, Session
from people.models import Participant

MAX_TEXT = 500


class InvalidText(ValueError):
    """Empty or too long."""


@dataclass(frozen=True)
class Owner:
    convening_id: int
    team_id: int | None = None
    room_key: str | None = None
    room_name: str = ""

    @classmethod
    def of_team(cls, convening_id: int, team_id: int) -> Owner:
        return cls(convening_id, team_id=team_id)

    @classmethod
    def of_room(cls, convening_id: int, room_key: str, room_name: str = "") -> Owner:
        return cls(convening_id, room_key=room_key, room_name=room_name)

    def lookup(self) -> dict[str, object]:
        if self.team_id is not None:
            return {"convening_id": self.convening_id, "team_id": self.team_id}
        return {"convening_id": self.convening_id, "room_key": self.room_key}


def clean_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidText("Write the action item first.")
    if len(cleaned) > MAX_TEXT:
        raise InvalidText(f"Keep an action item under {MAX_TEXT} characters (this one has {len(cleaned)}).")
    return cleaned


def items_for(owner: Owner) -> list[ActionItem]:
    return list(ActionItem.objects.filter(**owner.lookup()).select_related("updated_by__user").order_by("rank"))


def add(owner: Owner, text: str, by: Participant | None, at: int | None = None,
        session: Session | None = None) -> list[ActionItem]:
    text = clean_text(text)
    return _apply(owner, lambda entries: ranking.insert(entries, text, at), by, session)


def edit(owner: Owner, key: int, text: str, by: Participant | None) -> list[ActionItem]:
    text = clean_text(text)
    return _apply(owner, lambda entries: ranking.edit(entries, key, text), by)


def move_up(owner: Owner, key: int, by: Participant | None) -> list[ActionItem]:
    return _apply(owner, lambda entries: ranking.move_up(entries, key), by)


def move_down(owner: Owner, key: int, by: Participant | None) -> list[ActionItem]:
    return _apply(owner, lambda entries: ranking.move_down(entries, key), by)


def remove(owner: Owner, key: int, by: Participant | None) -> list[ActionItem]:
    return _apply(owner, lambda entries: ranking.remove(entries, key), by)


def _apply(owner: Owner, change: Callable[[list[Entry]], list[Entry]], by: Participant | None,
           session: Session | None = None) -> list[ActionItem]:
    with transaction.atomic():
        # Lock the convening row: a stable row to queue on even when the list is empty.
        # Edits are rare and quick, so one queue per convening costs nothing noticeable.
        list(Convening.objects.select_for_update(no_key=True).filter(pk=owner.convening_id).values_list("pk"))
        current = items_for(owner)
        _save(owner, current, change([Entry(i.pk, i.text, i.rank) for i in current]), by, session)
    return items_for(owner)


def _save(owner: Owner, current: list[ActionItem], entries: list[Entry], by: Participant | None,
          session: Session | None) -> None:
    """Rewrite the owner's rows. Deleting first is what lets ranks swap: the database
    checks unique (owner, rank) row by row, so updating ranks in place can collide."""
    before = {item.pk: item for item in current}
    now = timezone.now()
    rows = [_row(owner, before.get(e.key), e, by, session, now) for e in entries]
    ActionItem.objects.filter(**owner.lookup()).delete()
    ActionItem.objects.bulk_create(rows)


def _row(owner: Owner, old: ActionItem | None, entry: Entry, by: Participant | None,
         session: Session | None, now: dt.datetime) -> ActionItem:
    unchanged = old is not None and (old.text, old.rank) == (entry.text, entry.rank)
    return ActionItem(
        pk=entry.key, convening_id=owner.convening_id, team_id=owner.team_id, room_key=owner.room_key,
        room_name=owner.room_name or (old.room_name if old else ""),
        session_id=old.session_id if old else (session.pk if session else None), rank=entry.rank,
        text=entry.text, updated_by_id=old.updated_by_id if unchanged and old else (by.pk if by else None),
        updated_at=old.updated_at if unchanged and old else now,
    )
