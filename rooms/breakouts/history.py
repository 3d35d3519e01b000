"""Who was in which room, when and why: RoomAssignment rows from the live core's changes.

Each change ends the person's open stay (left_at, left_reason) and, unless they
went back to the plenary, starts a new one. A thousand people opening rooms is
one UPDATE per reason and one bulk INSERT.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from rooms.breakout_models import RoomAssignment
from rooms.live import Change


@dataclass(frozen=True)
class Stay:
    """A change of place outside the live core: a moderator's visit or return."""

    person: int
    to_room: str | None
    reason: str


def moment(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def record(convening_id: int, session_id: int | None, changes: Iterable[Change | Stay], at: float,
           room_names: Mapping[str, str], present: Collection[int] | None = None) -> None:
    """End the changed people's open stays; start new ones for those ``present`` (all if None):
    someone planned into a room who never connected was never in it."""
    changes = list(changes)
    if not changes:
        return
    when = moment(at)
    leaving: dict[str, list[int]] = defaultdict(list)
    for change in changes:
        leaving[change.reason].append(int(change.person))
    for reason, people in leaving.items():
        RoomAssignment.objects.filter(convening_id=convening_id, participant_id__in=people,
                                      left_at__isnull=True).update(left_at=when, left_reason=reason)
    RoomAssignment.objects.bulk_create(
        RoomAssignment(convening_id=convening_id, session_id=session_id, participant_id=int(c.person),
                       room_key=c.to_room, room_name=room_names.get(c.to_room, ""), joined_at=when,
                       reason="visited" if isinstance(c, Stay) else c.reason)
        for c in changes if c.to_room is not None and (present is None or int(c.person) in present))


def arrived(convening_id: int, session_id: int | None, person: int, room_key: str, room_name: str,
            at: dt.datetime) -> None:
    """Someone placed in a room while absent connects into it: their stay starts now.
    (A reconnecting person's stay is still open: nothing to start.)"""
    if RoomAssignment.objects.filter(convening_id=convening_id, participant_id=person, left_at__isnull=True).exists():
        return
    RoomAssignment.objects.create(convening_id=convening_id, session_id=session_id, participant_id=person,
                                  room_key=room_key, room_name=room_name, joined_at=at, reason="joined")
