"""A publisher whose media arrives from another media worker (cascade.py).

In a worker's copy of a cascaded space (the plenary spread over workers) each person whose
connection is on another worker is one ``RemotePublisher``: a member of the space with that
person's role and publications, like a local ``Peer`` as far as selection, the stage and
active speakers are concerned, without a peer connection here. Its publications are fed by
the relay; their keyframe requests go back through it. A moderator on another worker who
speaks to rooms of this one is a ``RemotePublisher`` too, *visiting*: a member of no space.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .forwarding import Publication


@dataclass
class RemotePublisher:
    participant_id: str  # the media id on its own worker
    space_id: str
    role: str
    worker: str  # the worker its connection is on (which relays its publications)
    publications: dict[str, Publication] = field(default_factory=dict)  # mid -> publication

    @property
    def visiting(self) -> bool:
        """A moderator speaking to rooms of this worker from another (space ``""``): their
        microphone only, heard in the rooms they speak to, a member of no space here."""
        return not self.space_id
