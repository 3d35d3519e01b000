"""Spaces: the plenary and each breakout room."""

from __future__ import annotations

from dataclasses import dataclass, field

from .selection import SpaceView
from .speakers import SpeakerTracker

PLENARY = "plenary"
DEFAULT_ACTIVE_SPEAKERS = 4


@dataclass
class Space:
    space_id: str
    large: bool
    active_speakers: int = DEFAULT_ACTIVE_SPEAKERS
    members: dict[str, None] = field(default_factory=dict)  # ordered set, join order
    stage: tuple[str, ...] = ()
    speakers: SpeakerTracker = field(default_factory=SpeakerTracker)

    def __post_init__(self) -> None:
        self._update_watch()

    def _update_watch(self) -> None:
        # A viewer skips themselves and stage members, so watch a little deeper
        # than N to notice every change that matters to someone.
        self.speakers.set_watch(self.active_speakers + 1 + len(self.stage))

    def set_stage(self, participant_ids: list[str]) -> None:
        self.stage = tuple(dict.fromkeys(participant_ids))
        self._update_watch()

    def set_active_speakers(self, count: int) -> None:
        self.active_speakers = max(0, count)
        self._update_watch()

    def add(self, participant_id: str) -> None:
        self.members[participant_id] = None

    def remove(self, participant_id: str) -> None:
        self.members.pop(participant_id, None)
        self.speakers.forget(participant_id)

    def view(self) -> SpaceView:
        return SpaceView(
            members=tuple(self.members),
            large=self.large,
            stage=self.stage,
            speaker_ranking=tuple(self.speakers.ranking(self.active_speakers + 1 + len(self.stage))),
            active_speakers=self.active_speakers,
        )
