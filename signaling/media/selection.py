"""Which publications a participant receives in a space (pure).

Rooms: everyone receives everyone. Large spaces (the plenary): the stage
(presenters: every track, including screens) plus the camera and microphone of
the N most recent active speakers -- not everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .speakers import select_speakers

SPEAKER_LABELS: frozenset[str] = frozenset({"camera", "microphone"})


@dataclass(frozen=True)
class PubRef:
    pub_id: str
    participant_id: str
    label: str


@dataclass(frozen=True)
class SpaceView:
    members: Sequence[str]  # join order
    large: bool
    stage: Sequence[str]
    speaker_ranking: Sequence[str]  # most recent first
    active_speakers: int


def select_publications(
    viewer: str, view: SpaceView, pubs: Mapping[str, Sequence[PubRef]]
) -> list[PubRef]:
    """Publications ``viewer`` should receive, in a stable display order."""
    others = [m for m in view.members if m != viewer]
    if not view.large:
        return [p for m in others for p in pubs.get(m, ())]
    member_set = set(others)
    stage = [m for m in view.stage if m in member_set]
    chosen = [p for m in stage for p in pubs.get(m, ())]
    speakers = select_speakers(
        [s for s in view.speaker_ranking if s in member_set],
        viewer=viewer,
        exclude=frozenset(stage),
        count=view.active_speakers,
    )
    chosen += [p for m in speakers for p in pubs.get(m, ()) if p.label in SPEAKER_LABELS]
    return chosen
