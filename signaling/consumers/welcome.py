"""What a connection is told when it opens, or when it is moved to another space."""
from __future__ import annotations

import time

from convenings.models import Registration
from convenings.permissions import Action, permissions_for
from rooms import snapshots
from rooms.actions import presence
from rooms.breakouts import snapshot as breakout_snapshot
from rooms.breakouts import store as breakout_store
from signaling.protocol import PROTOCOL_VERSION, Limits
from signaling.protocol.breakouts import BreakoutSnapshot
from signaling.protocol.plenary import SpaceEntered, Welcome
from signaling.protocol.shapes import ConveningRef, Identity


def identity(registration: Registration) -> Identity:
    p = registration.participant
    return Identity(participant_id=p.pk, name=p.name, school=p.school.name if p.school_id else None,
                    job_role=p.job_role, role=registration.role,
                    permissions=sorted(str(action) for action in permissions_for(registration.role)))


def convening_ref(registration: Registration) -> ConveningRef:
    return ConveningRef(slug=registration.convening.slug, title=registration.convening.title)


def _breakouts(convening_id: int, you: Identity) -> BreakoutSnapshot:
    staff = str(Action.JOIN_ANY_ROOM) in you.permissions
    return breakout_snapshot.snapshot(breakout_store.load(convening_id), time.time(), staff=staff)


def welcome(convening_id: int, you: Identity, convening: ConveningRef, space: str, limits: Limits) -> Welcome:
    return Welcome(protocol_version=PROTOCOL_VERSION, convening=convening, you=you, space=space,
                   roster=snapshots.roster(convening_id),
                   hands=snapshots.hand_queue(convening_id, space),
                   chat=snapshots.recent_chat(convening_id, space, limits.chat_history),
                   limits=limits.as_dict(), breakouts=_breakouts(convening_id, you))


def arrive(arrival: presence.Arrival, you: Identity, convening: ConveningRef, limits: Limits) -> Welcome:
    """Record a new connection and read what it should see: one trip to the database thread
    instead of two (during a join storm that thread is the queue everyone waits in)."""
    presence.join(arrival)
    return welcome(arrival.convening_id, you, convening, arrival.space, limits)


def space_entered(convening_id: int, space: str, limits: Limits) -> SpaceEntered:
    return SpaceEntered(space=space, hands=snapshots.hand_queue(convening_id, space),
                        chat=snapshots.recent_chat(convening_id, space, limits.chat_history))
