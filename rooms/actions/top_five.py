"""A breakout room's ranked "Top 5 Action Items": kept by action_items.services, shown live.

The list is an ActionItem owner of its own (the room key, unique in the convening),
so what a room writes is also in the share-out and the convening report.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from action_items import services
from action_items.models import ActionItem
from convenings.models import Session
from people.models import Participant
from rooms.actions import NotFound
from rooms.actions.publish import publish, space_group
from rooms.breakouts import store
from signaling.protocol.breakout_rooms import BreakoutSummary, RankedItem, RoomActionItems, RoomItems


def _room(convening_id: int, room: str) -> tuple[services.Owner, Session | None]:
    live = store.load(convening_id)
    match = next((r for r in live.state.rooms if r.key == room), None)
    if match is None:
        raise NotFound(f"There is no breakout room {room!r}.")
    session = Session.objects.filter(pk=live.session_id).first() if live.session_id else None
    return services.Owner.of_room(convening_id, room, match.name), session


def _ranked(items: Sequence[ActionItem]) -> list[RankedItem]:
    return [RankedItem(id=i.pk, rank=i.rank, text=i.text) for i in items]


def items(convening_id: int, room: str) -> RoomActionItems:
    owner, _ = _room(convening_id, room)
    return RoomActionItems(room=room, items=_ranked(services.items_for(owner)))


def _by(participant_id: int) -> Participant | None:
    return Participant.objects.filter(pk=participant_id).first()


def update(convening_id: int, room: str, op: str, by_id: int, item_id: int | None = None,
           text: str | None = None, at: int | None = None) -> RoomActionItems:
    """One change (add | edit | up | down | remove); ranking errors pass through
    (action_items.ranking.ListFull, NotInList; services.InvalidText)."""
    owner, session = _room(convening_id, room)
    by = _by(by_id)
    with transaction.atomic():
        if op == "add":
            result = services.add(owner, text or "", by, at=at, session=session)
        elif op == "edit":
            result = services.edit(owner, item_id or 0, text or "", by)
        else:
            change = {"up": services.move_up, "down": services.move_down, "remove": services.remove}[op]
            result = change(owner, item_id or 0, by)
        message = RoomActionItems(room=room, items=_ranked(result))
        publish(space_group(convening_id, room), message)
    return message


def replace_all(convening_id: int, room: str, texts: list[str], by_id: int) -> RoomActionItems:
    """The room's list becomes ``texts``, best first (one transaction: nobody sees it half done)."""
    owner, session = _room(convening_id, room)
    by = _by(by_id)
    with transaction.atomic():
        for item in services.items_for(owner):
            services.remove(owner, item.pk, by)
        result: list[ActionItem] = []
        for text in texts:
            result = services.add(owner, text, by, session=session)
        message = RoomActionItems(room=room, items=_ranked(result))
        publish(space_group(convening_id, room), message)
    return message


def summary(convening_id: int, rooms: list[tuple[str, str]], now: float) -> BreakoutSummary:
    """Each closed room's list, for the plenary (one query for all rooms)."""
    keys = [key for key, _ in rooms]
    rows = ActionItem.objects.filter(convening_id=convening_id, room_key__in=keys).order_by("room_key", "rank")
    by_room: dict[str, list[ActionItem]] = {}
    for item in rows:
        by_room.setdefault(item.room_key or "", []).append(item)
    return BreakoutSummary(rooms=[RoomItems(key=key, name=name, items=_ranked(by_room.get(key, [])))
                                  for key, name in rooms],
                           at=dt.datetime.fromtimestamp(now, tz=dt.UTC))
