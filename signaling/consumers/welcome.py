"""What a connection is told when it opens, or when it is moved to another space."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from action_items.models import ActionItem
from convenings.models import Registration
from convenings.permissions import Action, permissions_for
from rooms import snapshots
from rooms.actions import presence
from rooms.actions import surveys as survey_actions
from rooms.breakout_models import RoomNotes
from rooms.breakouts import snapshot as breakout_snapshot
from rooms.breakouts import store as breakout_store
from rooms.breakouts.store import Live
from rooms.models import PLENARY
from signaling.protocol import PROTOCOL_VERSION, Limits
from signaling.protocol.breakouts import BreakoutSnapshot, BreakoutState, RankedItem, RoomNotesText, RoomWork
from signaling.protocol.plenary import SpaceEntered, Welcome
from signaling.protocol.shapes import ChatEntry, ConveningRef, HandEntry, Identity, Person, RosterEntry
from signaling.protocol.surveys import SurveyPrompt


def identity(registration: Registration) -> Identity:
    p = registration.participant
    return Identity(participant_id=p.pk, name=p.name, school=p.school.name if p.school_id else None,
                    job_role=p.job_role, role=registration.role,
                    permissions=sorted(str(action) for action in permissions_for(registration.role)))


def convening_ref(registration: Registration) -> ConveningRef:
    return ConveningRef(slug=registration.convening.slug, title=registration.convening.title)


# The breakouts snapshot of the newest state, per convening and audience: a hundred people
# joining between two changes get the same rooms (only ``now`` differs), built once.
_built: dict[tuple[int, bool], tuple[Live, BreakoutSnapshot]] = {}


def _breakouts(live: Live, staff: bool) -> BreakoutSnapshot:
    now = breakout_snapshot.moment(time.time())
    cached = _built.get((live.convening_id, staff))
    if cached is not None and cached[0] is live:  # the store hands out one Live per saved state
        return cached[1].model_copy(update={"now": now})
    built = breakout_snapshot.snapshot(live, time.time(), staff=staff)
    _built[(live.convening_id, staff)] = (live, built)
    return built


def _staff(you: Identity) -> bool:
    return str(Action.JOIN_ANY_ROOM) in you.permissions


def breakout_state(convening_id: int, staff: bool) -> BreakoutState:
    """The whole state for one connection (``breakout.resync``)."""
    snapshot = _breakouts(breakout_store.load(convening_id), staff)
    return BreakoutState.model_construct(**dict(snapshot))  # built and checked already


def room_work(live: Live, space: str) -> RoomWork | None:
    """A breakout room's notes and Top 5 (None in the plenary, or for a room that is gone): two
    queries, on the database trip that enters the room (``room.sync`` took another trip, three)."""
    return room_works(live, [space])[space]


def room_works(live: Live, spaces: Iterable[str]) -> dict[str, RoomWork | None]:
    """``room_work`` of several spaces, in two queries whatever their number."""
    cid, rooms = live.convening_id, {r.key for r in live.state.rooms}
    works: dict[str, RoomWork | None] = {space: None for space in spaces}
    keys = [space for space in works if space != PLENARY and space in rooms]
    if not keys:
        return works
    notes = {row.room_key: row for row in
             RoomNotes.objects.filter(convening_id=cid, room_key__in=keys).select_related("updated_by__user")}
    items: dict[str, list[RankedItem]] = {key: [] for key in keys}
    rows = ActionItem.objects.filter(convening_id=cid, room_key__in=keys).order_by("rank")  # Owner.of_room's lookup, for many
    for key, pk, rank, text in rows.values_list("room_key", "pk", "rank", "text"):
        items[key].append(RankedItem(id=pk, rank=rank, text=text))
    for key in keys:
        row = notes.get(key)
        by = row.updated_by if row is not None else None
        text = RoomNotesText(version=row.version if row else 0, text=row.text if row else "",
                             by=Person(participant_id=by.pk, name=by.name) if by is not None else None)
        works[key] = RoomWork(notes=text, action_items=items[key])
    return works


@dataclass(frozen=True)
class Greeting:
    """The welcome, and where the breakouts put this person now (which may have changed since
    their space was chosen: rooms opened or closed in between)."""

    welcome: Welcome
    where: str
    prompts: list[SurveyPrompt]


@dataclass(frozen=True)
class Arriving:
    """One new connection to welcome: its presence row, and what its welcome says about it."""

    arrival: presence.Arrival
    you: Identity
    convening: ConveningRef
    limits: Limits


def arrive_all(arrivals: list[Arriving]) -> list[Greeting]:
    """Record new connections to one convening and read what each should see (and the surveys
    to ask), in one trip to the database thread and one transaction. During a join storm that
    thread is the queue everyone waits in, so the connections waiting at one moment are welcomed
    together (signaling.consumers.arrivals): one roster read serves every welcome and everyone's
    ``presence.joined``, and the hands, breakouts, chat and room work are read once per space."""
    cid = arrivals[0].arrival.convening_id
    assert all(a.arrival.convening_id == cid for a in arrivals), "one convening per batch"
    with transaction.atomic():
        for a in arrivals:
            presence.join(a.arrival, announce=False)
        raised = snapshots.hands(cid)  # one read for the roster's hands and each space's queue
        roster = snapshots.roster(cid, {h.participant_id for h in raised})
        entries = {e.participant_id: e for e in roster}
        arriving = Counter(a.arrival.participant_id for a in arrivals)
        for pid, count in arriving.items():
            presence.announce_entry(cid, pid, entries.get(pid), arriving=count)
        live = breakout_store.load(cid)
        prompts = survey_actions.prompts_for_each(cid, list(arriving))
        spaces, limit = {a.arrival.space for a in arrivals}, max(a.limits.chat_history for a in arrivals)
        chats = snapshots.recent_chats(cid, spaces, limit)  # one limit per worker: the settings'
        works = room_works(live, spaces)
        return [Greeting(_welcome(a, roster, snapshots.queue_of(raised, a.arrival.space),
                                  chats[a.arrival.space][-a.limits.chat_history:], live, works[a.arrival.space]),
                         live.where(a.arrival.participant_id), prompts[a.arrival.participant_id])
                for a in arrivals]


def _welcome(a: Arriving, roster: list[RosterEntry], hands: list[HandEntry], chat: list[ChatEntry], live: Live,
             work: RoomWork | None) -> Welcome:
    return Welcome(protocol_version=PROTOCOL_VERSION, convening=a.convening, you=a.you, space=a.arrival.space,
                   roster=roster, hands=hands, chat=chat, limits=a.limits.as_dict(),
                   breakouts=_breakouts(live, _staff(a.you)), room_work=work)


def space_entered(convening_id: int, space: str, limits: Limits) -> SpaceEntered:
    return SpaceEntered(space=space, hands=snapshots.hand_queue(convening_id, space),
                        chat=snapshots.recent_chat(convening_id, space, limits.chat_history),
                        room_work=room_work(breakout_store.load(convening_id), space))
