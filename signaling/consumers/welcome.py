"""What a connection is told when it opens, or when it is moved to another space."""
from __future__ import annotations

from convenings.models import Registration
from convenings.permissions import permissions_for
from rooms import snapshots
from signaling.protocol import PROTOCOL_VERSION, Limits
from signaling.protocol.plenary import SpaceEntered, Welcome
from signaling.protocol.shapes import ConveningRef, Identity


def identity(registration: Registration) -> Identity:
    p = registration.participant
    return Identity(participant_id=p.pk, name=p.name, school=p.school.name if p.school_id else None,
                    job_role=p.job_role, role=registration.role,
                    permissions=sorted(str(action) for action in permissions_for(registration.role)))


def convening_ref(registration: Registration) -> ConveningRef:
    return ConveningRef(slug=registration.convening.slug, title=registration.convening.title)


def welcome(convening_id: int, you: Identity, convening: ConveningRef, space: str, limits: Limits) -> Welcome:
    return Welcome(protocol_version=PROTOCOL_VERSION, convening=convening, you=you, space=space,
                   roster=snapshots.roster(convening_id),
                   hands=snapshots.hand_queue(convening_id, space),
                   chat=snapshots.recent_chat(convening_id, space, limits.chat_history),
                   limits=limits.as_dict())


def space_entered(convening_id: int, space: str, limits: Limits) -> SpaceEntered:
    return SpaceEntered(space=space, hands=snapshots.hand_queue(convening_id, space),
                        chat=snapshots.recent_chat(convening_id, space, limits.chat_history))
