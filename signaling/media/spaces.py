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


@dataclass
class Crossings:
    """Moderators' audio across spaces (the control tower). Pure bookkeeping.

    Listening in: a listener's connection stays in its own space and also receives the
    microphones of one other space (it is not a member there: nobody in it receives the
    listener). Speaking to rooms: a speaker's microphone goes to the members of the spaces
    spoken to, and to no other space, its own included (the plenary must not hear what a
    moderator tells the rooms).
    """

    listening: dict[str, str] = field(default_factory=dict)  # listener -> the space listened to
    speaking: dict[str, frozenset[str]] = field(default_factory=dict)  # speaker -> spaces spoken to

    def listen(self, listener: str, space_id: str | None) -> None:
        if space_id is None:
            self.listening.pop(listener, None)
        else:
            self.listening[listener] = space_id

    def speak(self, speaker: str, space_ids: frozenset[str] | None) -> None:
        if space_ids:
            self.speaking[speaker] = frozenset(space_ids)
        else:
            self.speaking.pop(speaker, None)

    def listeners_of(self, space_id: str) -> list[str]:
        return [p for p, s in self.listening.items() if s == space_id]

    def speakers_to(self, space_id: str) -> list[str]:
        return [p for p, spaces in self.speaking.items() if space_id in spaces]

    def withheld(self, speaker: str, space_id: str) -> bool:
        """True if ``speaker``'s audio must not reach ``space_id`` (they speak to other spaces)."""
        spaces = self.speaking.get(speaker)
        return spaces is not None and space_id not in spaces

    def audio_sources(self, peer: str, space_id: str) -> tuple[str | None, list[str]]:
        """What ``peer`` (a member of ``space_id``) hears besides its own space: the space it
        listens in to (its members' microphones), and the speakers speaking to its space."""
        listened = self.listening.get(peer)
        speakers = [s for s in self.speakers_to(space_id) if s != peer]
        return (listened if listened != space_id else None), speakers

    def forget(self, peer: str) -> tuple[str | None, frozenset[str]]:
        """A peer left: what it listened to and spoke to (whose spaces must be told)."""
        return self.listening.pop(peer, None), self.speaking.pop(peer, frozenset())
