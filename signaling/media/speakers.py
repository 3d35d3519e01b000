"""Active-speaker selection from the RTP ssrc-audio-level header extension.

Pure logic (time is passed in) so it can be unit tested without media.

RFC 6464 levels are 0..127 meaning -0..-127 dBov: *smaller is louder*, 127 is
digital silence. A participant becomes an active speaker after speaking
(level <= threshold) continuously for ``min_speech`` seconds -- this ignores
coughs and clicks -- and stays ranked by the last time they were heard
speaking. The top of that ranking ("most recent active speakers") is what a
large space forwards; it changes only when someone *new* starts speaking, so
two people talking over each other do not churn subscriptions.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

SILENCE_LEVEL = 127


@dataclass
class _Voice:
    speech_start: float | None = None  # start of the current loud stretch
    last_loud: float = float("-inf")


class SpeakerTracker:
    def __init__(
        self,
        *,
        threshold: int = 50,  # louder than -50 dBov counts as speech
        min_speech: float = 0.2,
        max_gap: float = 0.3,  # silences shorter than this do not end a stretch
        watch: int = 8,  # size of the top list whose membership we report changes for
    ) -> None:
        self._threshold = threshold
        self._min_speech = min_speech
        self._max_gap = max_gap
        self._watch = watch
        self._voices: dict[str, _Voice] = {}
        # participant -> last time heard as an active speaker; most recent last
        self._ranking: OrderedDict[str, float] = OrderedDict()
        self._top: frozenset[str] = frozenset()

    def set_watch(self, watch: int) -> None:
        self._watch = max(0, watch)
        self._top = frozenset(self.ranking(self._watch))

    def observe(self, participant_id: str, level: int, now: float) -> bool:
        """Feed one audio-level sample. True if the watched top set changed."""
        voice = self._voices.setdefault(participant_id, _Voice())
        if level > self._threshold:
            if now - voice.last_loud > self._max_gap:
                voice.speech_start = None
            return False
        if voice.speech_start is None or now - voice.last_loud > self._max_gap:
            voice.speech_start = now
        voice.last_loud = now
        if now - voice.speech_start < self._min_speech:
            return False
        return self._mark_active(participant_id, now)

    def _mark_active(self, participant_id: str, now: float) -> bool:
        self._ranking[participant_id] = now
        self._ranking.move_to_end(participant_id)
        if participant_id in self._top:
            return False  # order changed, membership did not
        return self._refresh_top()

    def _refresh_top(self) -> bool:
        top = frozenset(self.ranking(self._watch))
        changed = top != self._top
        self._top = top
        return changed

    def ranking(self, limit: int | None = None) -> list[str]:
        """Active speakers, most recent first."""
        result: list[str] = []
        for participant_id in reversed(self._ranking):
            if limit is not None and len(result) >= limit:
                break
            result.append(participant_id)
        return result

    def last_heard(self) -> dict[str, float]:
        """When each active speaker was last heard speaking (the control tower's room activity)."""
        return dict(self._ranking)

    def forget(self, participant_id: str) -> bool:
        """Drop a participant (left the space). True if the watched top set changed."""
        self._voices.pop(participant_id, None)
        if self._ranking.pop(participant_id, None) is None:
            return False
        return self._refresh_top()


def select_speakers(
    ranking: list[str], *, viewer: str, exclude: frozenset[str], count: int
) -> list[str]:
    """The ``count`` most recent speakers a viewer should receive (never themselves)."""
    chosen: list[str] = []
    for participant_id in ranking:
        if len(chosen) >= count:
            break
        if participant_id != viewer and participant_id not in exclude:
            chosen.append(participant_id)
    return chosen
