"""Record attendance. The live presence layer (rooms.actions.presence) calls these when
someone's connection enters or leaves a space (from async code, wrap them in
``channels.db.database_sync_to_async``).

Each open call starts an interval and each close call ends one, so two tabs make two
overlapping intervals; ``reports.intervals`` counts the overlap once. Rooms write these rows;
reports, certificates, mail and captions only read them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from rooms.models import Attendance


def attendance_opened(convening_id: int, participant_id: int, space: str, at: dt.datetime) -> int:
    """Start an interval; returns its id."""
    row = Attendance.objects.create(convening_id=convening_id, participant_id=participant_id,
                                    space=space, joined_at=at)
    return row.pk


def attendance_closed(convening_id: int, participant_id: int, space: str, at: dt.datetime) -> bool:
    """End one open interval of this person in this space (the oldest); False if none was open.

    Which of several open intervals closes doesn't change the union, because the
    others stay open until their own close arrives.
    """
    with transaction.atomic():
        row = (Attendance.objects.select_for_update()
               .filter(convening_id=convening_id, participant_id=participant_id, space=space, left_at__isnull=True)
               .order_by("joined_at", "pk").first())
        if row is None:
            return False
        # A close that arrives out of order (clock skew between workers) must not end
        # the interval before it began.
        row.left_at = max(at, row.joined_at)
        row.save(update_fields=["left_at"])
    return True


def attendance_moved(convening_id: int, moves: Iterable[tuple[int, str]], at: dt.datetime) -> None:
    """Connections changed space at ``at``, one ``(participant, new space)`` per connection:
    each person's intervals elsewhere end, and one interval per connection starts there.

    Bulk (a breakout opening moves a thousand people): one UPDATE per destination, one INSERT.
    """
    moves = list(moves)
    by_space: dict[str, set[int]] = {}
    for person, space in moves:
        by_space.setdefault(space, set()).add(person)
    for space, people in by_space.items():
        open_elsewhere = Attendance.objects.filter(convening_id=convening_id, participant_id__in=people,
                                                   left_at__isnull=True).exclude(space=space)
        open_elsewhere.filter(joined_at__lte=at).update(left_at=at)
        open_elsewhere.filter(joined_at__gt=at).update(left_at=F("joined_at"))  # clock skew: never before it began
    Attendance.objects.bulk_create(Attendance(convening_id=convening_id, participant_id=person, space=space,
                                              joined_at=at) for person, space in moves)


def close_all_open(convening_id: int, at: dt.datetime) -> int:
    """End every open interval, e.g. when a worker restarts and loses its connections."""
    return Attendance.objects.filter(convening_id=convening_id, left_at__isnull=True).update(left_at=at)
