"""Who is here: connections arriving, leaving, reporting camera/mic, moving, and dying.

Presence is one row per open websocket (rooms.models.Presence); the roster
shows each person once. Everyone in the convening hears about changes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rooms import snapshots
from rooms.actions.publish import convening_group, forget_connection, participant_group, publish
from rooms.attendance import attendance_closed, attendance_moved, attendance_opened
from rooms.breakouts import history
from rooms.breakouts import store as breakout_store
from rooms.models import PLENARY, Presence
from signaling.protocol import ServerMessage
from signaling.protocol.plenary import PresenceChanged, PresenceJoined, PresenceLeft
from signaling.protocol.shapes import RosterEntry

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
    announce_entry(convening_id, participant_id, snapshots.roster_entry(convening_id, participant_id),
                   arriving=int(arriving))


def announce_entry(convening_id: int, participant_id: int, entry: RosterEntry | None, *,
                   arriving: int = 0) -> None:
    """Like ``_announce``, with the entry already read (a welcome's roster holds it).
    ``arriving``: how many of their connections just opened (several tabs arriving together
    are one join): all of them means they were not here before, so others see them join."""
    group = convening_group(convening_id)
    if entry is None:
        message: ServerMessage = PresenceLeft(participant_id=participant_id)
    elif arriving and entry.connections == arriving:
        message = PresenceJoined(participant=entry)
    else:
        message = PresenceChanged(participant=entry)
    publish(group, message, coalesce=True)  # roster updates may share a frame (see publish.py)


def announce(convening_id: int, participant_id: int) -> None:
    """Someone's roster entry changed for another reason (e.g. their hand)."""
    _announce(convening_id, participant_id)


def join(arrival: Arrival, *, announce: bool = True) -> None:
    """Record a new connection; ``announce=False``: the caller announces it from the roster it
    reads next (signaling.consumers.welcome.arrive_all: one roster query per join, not two).
    Inside the caller's transaction (a batch of arrivals) it is part of it: no savepoint each."""
    with transaction.atomic(savepoint=False):
        Presence.objects.create(channel_name=arrival.channel_name, convening_id=arrival.convening_id,
                                participant_id=arrival.participant_id, role=arrival.role,
                                space=arrival.space, worker=arrival.worker)
        now = timezone.now()
        # Attendance for the convening report: one interval per connection and space.
        attendance_opened(arrival.convening_id, arrival.participant_id, arrival.space, now)
        if arrival.space != PLENARY:
            _arrived_in_room(arrival, now)
        if announce:
            _announce(arrival.convening_id, arrival.participant_id, arriving=True)


def _arrived_in_room(arrival: Arrival, at: dt.datetime) -> None:
    """Placed in a room before connecting (a late joiner): the room's history starts now."""
    live = breakout_store.load(arrival.convening_id)
    names = {room.key: room.name for room in live.state.rooms}
    history.arrived(arrival.convening_id, live.session_id, arrival.participant_id, arrival.space,
                    names.get(arrival.space, ""), at)


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


def relocate(convening_id: int, spaces: Mapping[int, str], at: dt.datetime) -> set[int]:
    """Put every connection of each person into their space: the one way people move.

    Breakouts call it (opening, moving, recalling, closing) inside their transaction; the
    Presence rows and the attendance intervals change together, so the report's minutes
    per space are exactly where people were. Only connected people are relocated (an absent
    person has no connection to move and enters nothing); returns who was.
    """
    if not spaces:
        return set()
    rows = list(Presence.objects.select_for_update()
                .filter(convening_id=convening_id, participant_id__in=list(spaces))
                .values_list("pk", "participant_id", "space"))
    moving = [(pk, person, spaces[person]) for pk, person, old in rows if old != spaces[person]]
    attendance_moved(convening_id, [(person, space) for _pk, person, space in moving], at)
    by_space: dict[str, list[int]] = {}
    for pk, _person, space in moving:
        by_space.setdefault(space, []).append(pk)
    for space, pks in by_space.items():
        Presence.objects.filter(pk__in=pks).update(space=space)
    return {person for _pk, person, _space in rows}


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
                     .values_list("id", "channel_name", "convening_id", "participant_id", "space", "last_seen"))
        if not stale:
            return 0
        Presence.objects.filter(id__in=[row[0] for row in stale]).delete()
        for _, _, convening_id, participant_id, space, last_seen in stale:
            # The last moment their worker vouched for them: as close to when they left as is known.
            attendance_closed(convening_id, participant_id, space, last_seen)
        for convening_id, participant_id in sorted({(row[2], row[3]) for row in stale}):
            _announce(convening_id, participant_id)
        for _, channel_name, convening_id, participant_id, _space, _seen in stale:
            # Its only group of its own: the convening's and spaces' are joined per worker
            # (signaling.consumers.fanout).
            forget_connection(channel_name, [participant_group(convening_id, participant_id)])
    return len(stale)
