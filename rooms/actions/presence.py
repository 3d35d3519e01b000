"""Who is here: connections arriving, leaving, reporting camera/mic, moving, and dying.

Presence is one row per open websocket (rooms.models.Presence); the roster
shows each person once. Everyone in the convening hears about changes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rooms import snapshots
from rooms.actions import NotFound
from rooms.actions.publish import (
    SPACE_ENTER, convening_group, forget_connection, participant_group, publish,
    publish_event,
)
from rooms.models import PLENARY, Presence
from reports.attendance import attendance_closed, attendance_opened
from signaling.protocol import ServerMessage
from signaling.protocol.plenary import PresenceChanged, PresenceJoined, PresenceLeft

CHUNK = 500  # channel names per IN (...) query


@dataclass(frozen=True)
class Arrival:
    """A websocket that has been admitted: who, where, on which worker."""

    channel_name: str
    convening_id: int
    participant_id: int
    role: str
    worker: str
    space: str = PLENARY


def _announce(convening_id: int, participant_id: int, *, arriving: bool = False) -> None:
    """Tell the convening how this person now looks: joined, changed or left."""
    entry = snapshots.roster_entry(convening_id, participant_id)
    group = convening_group(convening_id)
    if entry is None:
        message: ServerMessage = PresenceLeft(participant_id=participant_id)
    elif arriving and entry.connections == 1:
        message = PresenceJoined(participant=entry)
    else:
        message = PresenceChanged(participant=entry)
    publish(group, message, coalesce=True)  # roster updates may share a frame (see publish.py)


def announce(convening_id: int, participant_id: int) -> None:
    """Someone's roster entry changed for another reason (e.g. their hand)."""
    _announce(convening_id, participant_id)


def join(arrival: Arrival) -> None:
    with transaction.atomic():
        Presence.objects.create(channel_name=arrival.channel_name, convening_id=arrival.convening_id,
                                participant_id=arrival.participant_id, role=arrival.role,
                                space=arrival.space, worker=arrival.worker)
        # Attendance for the convening report: one interval per connection and space.
        attendance_opened(arrival.convening_id, arrival.participant_id, arrival.space, timezone.now())
        _announce(arrival.convening_id, arrival.participant_id, arriving=True)


def leave(channel_name: str) -> None:
    with transaction.atomic():
        row = Presence.objects.filter(channel_name=channel_name).first()
        if row is None:  # already swept
            return
        row.delete()
        attendance_closed(row.convening_id, row.participant_id, row.space, timezone.now())
        _announce(row.convening_id, row.participant_id)


def report_media(channel_name: str, camera: bool | None, mic: bool | None) -> None:
    """Camera/microphone state as this tab reports it."""
    fields = {name: value for name, value in (("camera", camera), ("mic", mic)) if value is not None}
    with transaction.atomic():
        row = Presence.objects.filter(channel_name=channel_name).first()
        if row is None or not fields:
            return
        Presence.objects.filter(pk=row.pk).update(**fields)
        _announce(row.convening_id, row.participant_id)


def move(convening_id: int, participant_id: int, space: str) -> None:
    """Put every connection of a person into ``space`` (breakouts call this)."""
    with transaction.atomic():
        rows = Presence.objects.filter(convening_id=convening_id, participant_id=participant_id)
        was = list(rows.values_list("space", flat=True))
        if not rows.update(space=space):
            raise NotFound("That person is not connected.")
        now = timezone.now()
        for old in was:  # each connection leaves its old space and enters the new one
            if old != space:
                attendance_closed(convening_id, participant_id, old, now)
                attendance_opened(convening_id, participant_id, space, now)
        _announce(convening_id, participant_id)
        publish_event(participant_group(convening_id, participant_id), {"type": SPACE_ENTER, "space": space})


def heartbeat(channel_names: list[str]) -> list[str]:
    """Refresh this worker's connections; return those whose rows were swept meanwhile."""
    now, missing = timezone.now(), []
    for start in range(0, len(channel_names), CHUNK):
        chunk = channel_names[start:start + CHUNK]
        Presence.objects.filter(channel_name__in=chunk).update(last_seen=now)
        present = set(Presence.objects.filter(channel_name__in=chunk).values_list("channel_name", flat=True))
        missing.extend(name for name in chunk if name not in present)
    return missing


def sweep(timeout_s: float) -> int:
    """Remove connections nobody has vouched for in ``timeout_s``: their worker died."""
    cutoff = timezone.now() - dt.timedelta(seconds=timeout_s)
    with transaction.atomic():
        # skip_locked: two workers sweeping at once take disjoint rows (PostgreSQL;
        # SQLite serializes write transactions anyway).
        stale = list(Presence.objects.select_for_update(skip_locked=True).filter(last_seen__lt=cutoff)
                     .values_list("id", "channel_name", "convening_id", "participant_id", "space"))
        if not stale:
            return 0
        Presence.objects.filter(id__in=[row[0] for row in stale]).delete()
        for _, _, convening_id, participant_id, space in stale:
            attendance_closed(convening_id, participant_id, space, cutoff)  # last vouched-for moment
        for convening_id, participant_id in sorted({(row[2], row[3]) for row in stale}):
            _announce(convening_id, participant_id)
        for _, channel_name, convening_id, participant_id, _space in stale:
            # Its only group of its own: the convening's and spaces' are joined per worker
            # (signaling.consumers.fanout).
            forget_connection(channel_name, [participant_group(convening_id, participant_id)])
    return len(stale)
