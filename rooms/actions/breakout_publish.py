"""How a breakouts change reaches browsers: few channel-layer messages, serialized once.

One change (opening a hundred rooms for a thousand people, or moving one person)
is published as consumer events (``breakouts.event``, defined in
signaling.protocol.internal.breakouts, handled by signaling.consumers.breakout_events):

* People who change space and are few: one event each to their participant group,
  sent first (``Follow``) — and the convening event SETTLE_S later — so the moved person's
  connection is woken, told and flushed before a thousand others wake up.
* People who change space and are many (opening, closing): their destinations ride
  in the one convening event (``Lines.moves``); each connection picks its own line.
* Everyone: the convening event carries the already-serialized messages for
  participants (``public``) and for moderators (``staff``: with the help queue).

``fresh`` lists rooms with no chat, raised hand, notes or Top 5 yet, so a connection entering one
builds its ``space.entered`` without asking the database.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from action_items.models import ActionItem
from convenings.models import Registration
from convenings.permissions import ROLES, Action, allowed
from rooms.actions.publish import (
    convening_group,
    participant_group,
    publish,
    publish_event,
    publish_latest,
    publish_merged,
)
from rooms.breakout_models import RoomNotes
from rooms.breakouts import snapshot
from rooms.breakouts.store import Live
from rooms.live import Effect, RoomClosing
from rooms.models import PLENARY, RaisedHand, SpaceCounter
from signaling.protocol import ServerMessage
from signaling.protocol.breakouts import BreakoutChanged, BreakoutClosing
from signaling.protocol.internal.breakouts import Follow as FollowEvent
from signaling.protocol.internal.breakouts import Lines

BULK = 5  # this many people moving at once ride in the convening event
SETTLE_S = 0.005  # measured: Channels needs ~25 ms to wake 1,000 consumers (docs/benchmarks.md)


@dataclass(frozen=True)
class Follow:
    """A person whose connections must switch space, and what they are told first."""

    person: int
    space: str
    notice: ServerMessage | None = None


def _fresh(convening_id: int, spaces: set[str]) -> set[str]:
    rooms = spaces - {PLENARY}
    if not rooms:
        return set()
    used = set(SpaceCounter.objects.filter(convening_id=convening_id, space__in=rooms).values_list("space", flat=True))
    used |= set(RaisedHand.objects.filter(convening_id=convening_id, space__in=rooms).values_list("space", flat=True))
    # Nor notes or a Top 5 (a reopened room keeps them): a fresh room's space.entered says "nothing yet".
    used |= set(RoomNotes.objects.filter(convening_id=convening_id, room_key__in=rooms).values_list("room_key", flat=True))
    used |= set(ActionItem.objects.filter(convening_id=convening_id, room_key__in=rooms).values_list("room_key", flat=True))
    return rooms - used


def _texts(messages: Iterable[ServerMessage | None]) -> list[str]:
    return [m.to_json() for m in messages if m is not None]


def to_staff(convening_id: int, *messages: ServerMessage) -> None:
    """Messages for moderators only (e.g. a new draft plan): to each one's own group, so the
    thousand participants' connections are not woken for nothing."""
    roles = [role for role in ROLES if allowed(role, Action.JOIN_ANY_ROOM)]
    staff = Registration.objects.filter(convening_id=convening_id, role__in=roles).values_list("participant_id", flat=True)
    event = Lines(staff=_texts(messages))
    for person in staff:
        publish_event(participant_group(convening_id, person), event)


def to_person(convening_id: int, person: int, message: ServerMessage) -> None:
    publish(participant_group(convening_id, person), message)


def _merge(older: tuple[BreakoutChanged, ServerMessage | None], newer: tuple[BreakoutChanged, ServerMessage | None],
           ) -> tuple[BreakoutChanged, ServerMessage | None] | None:
    """Two held changes as one (the newer rooms win); None if the newer does not follow the older."""
    (first, _), (second, choices) = older, newer
    if second.base_version != first.version:
        return None
    rooms = {r.key: r for r in first.rooms} | {r.key: r for r in second.rooms}
    return second.model_copy(update={"base_version": first.base_version, "rooms": list(rooms.values())}), choices


def _changed_event(held: tuple[BreakoutChanged, ServerMessage | None]) -> Lines:
    texts = _texts(held)
    return Lines(version=held[0].version, public=texts, staff=texts)


def publish_change(after: Live, follows: list[Follow], effects: list[Effect], now: float,
                   extra: Iterable[ServerMessage] = (), help_changed: bool = False,
                   supersedable: bool = False, before: Live | None = None) -> None:
    """Announce a saved change; call inside the transaction (sent after commit).
    ``supersedable``: nothing in it but the new state (a late joiner placed, who learns their
    room from their welcome): it may wait briefly and be merged with newer changes.
    ``before``: the state it changed; a change that only moved people is sent as the rooms
    it touched (``breakout.changed``), not as every room's member list."""
    cid = after.convening_id
    key = f"breakouts.state.{cid}"
    delta = snapshot.changed(before, after, now) if before is not None and not help_changed else None
    if supersedable:  # nobody it moved is connected (a late joiner before their welcome): no one to follow
        follows = []
    fresh = _fresh(cid, {f.space for f in follows})
    moves: dict[str, str] = {}  # participant id -> space, when many move at once
    notices: dict[str, str] = {}
    if len(follows) < BULK:
        for f in follows:
            publish_event(participant_group(cid, f.person), FollowEvent(
                space=f.space, notice=f.notice.to_json() if f.notice else None,
                fresh=f.space in fresh, version=after.version))
    else:
        moves = {str(f.person): f.space for f in follows}
        notices = {f.space: f.notice.to_json() for f in follows if f.notice is not None}
    closing = [BreakoutClosing(closes_at=snapshot.moment(e.closes_at), now=snapshot.moment(now))
               for e in effects if isinstance(e, RoomClosing)][:1]
    choices = snapshot.free_rooms(after) if after.state.mode == "self_select" and after.live_rooms() else None
    extra = list(extra)
    quiet = supersedable and not moves and not extra and not closing
    if delta is not None and quiet:
        publish_merged(convening_group(cid), key, (delta, choices), _merge, _changed_event)
        return
    if delta is not None:
        public = staff = _texts([*closing, delta, choices, *extra])
    else:
        public_state, staff_state, queue = snapshot.state_messages(after, now)
        public = _texts([*closing, public_state, choices, *extra])
        staff = _texts([*closing, staff_state, queue if help_changed else None, choices, *extra])
    event = Lines(version=after.version, public=public, staff=staff, moves=moves, notices=notices,
                  fresh=sorted(fresh) if moves else [])
    if quiet:
        publish_latest(convening_group(cid), event, key=key)
        return
    # A few moved people: their own events go first and alone, before everyone's connections wake.
    publish_event(convening_group(cid), event, after_s=SETTLE_S if 0 < len(follows) < BULK else 0.0, after_held=key)
