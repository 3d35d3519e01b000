"""What a connection is told when it opens, or when it is moved to another space."""
from __future__ import annotations

import time
from dataclasses import dataclass

from action_items.models import ActionItem
from action_items.services import Owner
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
from signaling.protocol.shapes import ConveningRef, Identity, Person
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
    if space == PLENARY or all(r.key != space for r in live.state.rooms):
        return None
    cid = live.convening_id
    row = RoomNotes.objects.filter(convening_id=cid, room_key=space).select_related("updated_by__user").first()
    by = row.updated_by if row is not None else None
    text = RoomNotesText(version=row.version if row else 0, text=row.text if row else "",
                         by=Person(participant_id=by.pk, name=by.name) if by is not None else None)
    items = ActionItem.objects.filter(**Owner.of_room(cid, space).lookup()).order_by("rank")
    return RoomWork(notes=text, action_items=[RankedItem(id=pk, rank=rank, text=item)
                                              for pk, rank, item in items.values_list("pk", "rank", "text")])


@dataclass(frozen=True)
class Greeting:
    """The welcome, and where the breakouts put this person now (which may have changed since
    their space was chosen: rooms opened or closed in between)."""

    welcome: Welcome
    where: str
    prompts: list[SurveyPrompt]


def arrive(arrival: presence.Arrival, you: Identity, convening: ConveningRef, limits: Limits) -> Greeting:
    """Record a new connection and read what it should see (and the surveys to ask): one trip
    to the database thread (during a join storm that thread is the queue everyone waits in),
    and one roster read that both the welcome and everyone's ``presence.joined`` come from."""
    presence.join(arrival, announce=False)
    cid, space, pid = arrival.convening_id, arrival.space, arrival.participant_id
    raised = snapshots.hands(cid)  # one read for the roster's hands and this space's queue
    roster = snapshots.roster(cid, {h.participant_id for h in raised})
    presence.announce_entry(cid, pid, next((e for e in roster if e.participant_id == pid), None), arriving=True)
    live = breakout_store.load(cid)
    welcome = Welcome(protocol_version=PROTOCOL_VERSION, convening=convening, you=you, space=space,
                      roster=roster, hands=snapshots.queue_of(raised, space),
                      chat=snapshots.recent_chat(cid, space, limits.chat_history),
                      limits=limits.as_dict(), breakouts=_breakouts(live, _staff(you)),
                      room_work=room_work(live, space))
    return Greeting(welcome, live.where(pid), survey_actions.prompts_for(cid, pid))


def space_entered(convening_id: int, space: str, limits: Limits) -> SpaceEntered:
    return SpaceEntered(space=space, hands=snapshots.hand_queue(convening_id, space),
                        chat=snapshots.recent_chat(convening_id, space, limits.chat_history),
                        room_work=room_work(breakout_store.load(convening_id), space))
