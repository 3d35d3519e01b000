"""The convening's live breakouts row: read it, or lock it, change it and save it.

Changing goes ``lock`` → pure operation (rooms.live) → ``save`` inside one
transaction. The row lock (PostgreSQL SELECT ... FOR UPDATE; SQLite's IMMEDIATE
transactions hold the write lock) serializes every change of one convening, on
any worker: two people racing for a room's last place are decided one after
the other, and the timer fires once however many workers tick.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.utils import timezone

from rooms import spaces
from rooms.breakout_models import LiveBreakoutState
from rooms.breakouts import codec
from rooms.lifecycle import CLOSING, LIVE_STATES, OPEN
from rooms.live import LiveBreakouts
from rooms.models import PLENARY
from rooms.rounds import RoundSequence


@dataclass(frozen=True)
class Live:
    """Everything known about a convening's breakouts right now."""

    convening_id: int
    state: LiveBreakouts = codec.EMPTY
    session_id: int | None = None
    visits: dict[int, str] = field(default_factory=dict)  # moderators visiting: person → room
    topics: dict[str, str] = field(default_factory=dict)  # topic id → name
    version: int = 0
    rounds: RoundSequence | None = None  # a multi-round sequence (rooms.rounds), defined or running

    def live_rooms(self) -> set[str]:
        return {r.key for r in self.state.rooms if r.state in LIVE_STATES}

    def where(self, person: int) -> str:
        """The space a person is in: a room they visit or are assigned to, else the plenary."""
        room = self.visits.get(person) or self.state.room_of(person)
        return room if room in self.live_rooms() else PLENARY


# Decoded states, one per convening, named by (version, updated_at). Decoding the row's JSON
# (a thousand assignments) cost ~3 ms per read, and a late joiner's arrival read it three times
# on the worker's one database thread. A version alone could name two states (a rolled-back
# transaction reuses it); with the moment it was saved it names one.
_decoded: dict[int, tuple[tuple[int, dt.datetime], Live]] = {}
_BIG = ("state",)  # read only when the cached copy is not the row's


def _live(row: LiveBreakoutState) -> Live:
    stamp = (row.version, row.updated_at)
    cached = _decoded.get(row.convening_id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    live = Live(row.convening_id, codec.live_from_json(row.state) if row.state else codec.EMPTY, row.session_id,
                {int(p): room for p, room in row.visits.items()}, dict(row.topics), row.version,
                codec.rounds_from_json(row.rounds))
    _decoded[row.convening_id] = (stamp, live)
    return live


def load(convening_id: int) -> Live:
    row = LiveBreakoutState.objects.defer(*_BIG).filter(convening_id=convening_id).first()
    return _live(row) if row else Live(convening_id)


def lock(convening_id: int) -> tuple[LiveBreakoutState, Live]:
    """The row, locked until the transaction ends (created on first use)."""
    row = LiveBreakoutState.objects.select_for_update().defer(*_BIG).filter(convening_id=convening_id).first()
    if row is None:  # the convening's first breakouts (get_or_create: two workers may race here)
        LiveBreakoutState.objects.get_or_create(convening_id=convening_id)
        row = LiveBreakoutState.objects.select_for_update().defer(*_BIG).get(convening_id=convening_id)
    return row, _live(row)


def next_deadline(state: LiveBreakouts) -> float | None:
    """When the clock next changes something: the grace countdown's end, or the breakouts' end."""
    states = {r.state for r in state.rooms}
    if CLOSING in states and state.closing_ends_at is not None:
        return state.closing_ends_at
    return state.ends_at if OPEN in states else None


def _moment(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def save(row: LiveBreakoutState, live: Live) -> Live:
    """Write ``live`` into the locked row, one version up."""
    row.state = codec.live_to_json(live.state)
    row.session_id = live.session_id
    row.visits = {str(p): room for p, room in live.visits.items()}
    row.topics = live.topics
    row.rounds = codec.rounds_to_json(live.rounds)
    row.version = live.version + 1
    row.next_deadline = _moment(next_deadline(live.state))
    row.updated_at = timezone.now()
    row.save()
    saved = replace(live, version=row.version)
    _decoded[row.convening_id] = ((row.version, row.updated_at), saved)
    return saved


def due(now: dt.datetime) -> list[int]:
    """Convenings whose breakout clock has something to do."""
    return list(LiveBreakoutState.objects.filter(next_deadline__lte=now).values_list("convening_id", flat=True))


def lock_if_due(convening_id: int, now: dt.datetime) -> tuple[LiveBreakoutState, Live] | None:
    """Lock the row only if it is still due; None if another worker has it or already did it."""
    row = (LiveBreakoutState.objects.select_for_update(skip_locked=True).defer(*_BIG)
           .filter(convening_id=convening_id, next_deadline__lte=now).first())
    return (row, _live(row)) if row else None


def _is_live_room(convening_id: int, space: str) -> bool:
    return space in load(convening_id).live_rooms()


spaces.register_directory(_is_live_room)
