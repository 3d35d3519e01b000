"""How every live breakouts change is made: one transaction, one door out.

:func:`change` locks the convening's row, runs the operation (pure, on
rooms.live), saves, relocates the connected people (their connections and
attendance, rooms.actions.presence.relocate), writes the assignment history and publishes (rooms.actions.breakout_publish) — so what people
are told is what was committed, and a failed operation changes nothing.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db import transaction

from rooms.actions import breakout_publish, polls, presence, top_five
from rooms.actions.breakout_publish import BULK, Follow
from rooms.breakout_models import LiveBreakoutState
from rooms.breakouts import history, roster, snapshot, store
from rooms.breakouts.history import Stay
from rooms.breakouts.store import Live
from rooms.live import Change, Effect, HelpRequested, HelpResolved, HelpWithdrawn, RoomClosed
from rooms.models import PLENARY
from signaling.protocol import ServerMessage
from signaling.protocol.breakout_rooms import HelpStatus
from signaling.protocol.breakouts import BreakoutReturned
from signaling.protocol.shapes import Person


@dataclass(frozen=True)
class Step:
    """What one operation did to the live state, before it is saved."""

    live: Live
    effects: list[Effect] = field(default_factory=list)
    stays: list[Stay] = field(default_factory=list)  # visits and returns of moderators
    supersedable: bool = False  # only the state changed for others (a late joiner placed): may be coalesced


Operation = Callable[[Live, float], Step]


def change(convening_id: int, operate: Operation) -> Live:
    """Apply ``operate`` to the convening's live breakouts, under the row lock."""
    now = time.time()
    with transaction.atomic():
        row, before = store.lock(convening_id)
        return _apply(row, before, operate, now)


def change_if_due(convening_id: int, operate: Operation, due: dt.datetime) -> Live | None:
    """The timer's change: only if the row is still due and no other worker holds it."""
    now = time.time()
    with transaction.atomic():
        locked = store.lock_if_due(convening_id, due)
        return None if locked is None else _apply(*locked, operate, now)


def _apply(row: LiveBreakoutState, before: Live, operate: Operation, now: float) -> Live:
    step = operate(before, now)
    if step.live == before and not step.effects and not step.stays:
        return before  # nothing changed: no new version, nothing to tell
    return _commit(row, before, step, now)


def _settled(step: Step) -> tuple[Live, list[Stay]]:
    """Visitors of rooms that are no longer open go back to the plenary."""
    live, stays = step.live, list(step.stays)
    gone = {p: room for p, room in live.visits.items() if room not in live.live_rooms()}
    if gone:
        live = replace(live, visits={p: r for p, r in live.visits.items() if p not in gone})
        stays += [Stay(p, None, "closed") for p in gone]
    return live, stays


def _commit(row: LiveBreakoutState, before: Live, step: Step, now: float) -> Live:
    live, stays = _settled(step)
    changes: list[Change] = list(live.state.history)
    after = store.save(row, replace(live, state=replace(live.state, history=())))
    names = {r.key: r.name for r in after.state.rooms}
    follows = _follows(before, after, changes, stays, now)
    # Connected people's connections and attendance follow them; absent people enter nothing.
    present = presence.relocate(after.convening_id, {f.person: f.space for f in follows}, history.moment(now))
    history.record(after.convening_id, after.session_id, [*changes, *stays], now, names, present=present)
    closed = [e.room for e in step.effects if isinstance(e, RoomClosed)]
    extra = [top_five.summary(after.convening_id, [(k, names[k]) for k in closed], now)] if closed else []
    breakout_publish.publish_change(after, follows, step.effects, now, extra,
                                    help_changed=before.state.help_queue != after.state.help_queue,
                                    supersedable=step.supersedable and not present, before=before)
    _tell_callers(after.convening_id, step.effects)
    if closed and before.live_rooms() and not after.live_rooms():
        polls.close_with_rooms(after.convening_id)
    if len(follows) < BULK:  # a few moves: roster entries too (thousands would flood everyone)
        for f in follows:
            if f.person in present:  # an absent person's (a late joiner's, before their welcome) has no entry
                presence.announce(after.convening_id, f.person)
    return after


def _follows(before: Live, after: Live, changes: list[Change], stays: list[Stay], now: float) -> list[Follow]:
    reasons = {int(c.person): c.reason for c in changes}
    follows = []
    for person in dict.fromkeys([*reasons, *(s.person for s in stays)]):
        space = after.where(person)
        if space == before.where(person) and person not in reasons:
            continue
        notice: ServerMessage | None = None
        if person in reasons:  # their room changed (a moderator's own visit needs no notice)
            notice = (BreakoutReturned(reason=reasons[person], now=snapshot.moment(now)) if space == PLENARY
                      else snapshot.assigned(after, space, now))
        follows.append(Follow(person, space, notice))
    return follows


def _tell_callers(convening_id: int, effects: list[Effect]) -> None:
    """Each person whose call for help changed hears about it (all their tabs)."""
    calls = [e for e in effects if isinstance(e, HelpRequested | HelpWithdrawn | HelpResolved)]
    names = roster.names([int(e.by) for e in calls if isinstance(e, HelpResolved)])
    for e in calls:
        by = (Person(participant_id=int(e.by), name=names.get(int(e.by), "")) if isinstance(e, HelpResolved)
              else None)
        breakout_publish.to_person(convening_id, int(e.person),
                                   HelpStatus(waiting=isinstance(e, HelpRequested), room=e.room, resolved_by=by))
