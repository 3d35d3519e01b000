"""Pure decisions of automatic captions: whose voice, when to show a partial line, which
engine (no I/O, no media: tested directly)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PARTIAL_INTERVAL_S = 0.5  # a line being recognized is re-sent at most twice a second
SPEAKERS = 2  # besides the stage: the most recent active speakers transcribed per space
EMBEDDED = "pocketsphinx"
WHISPER = "faster-whisper"


def caption_speakers(members: Sequence[str], stage: Sequence[str], ranking: Sequence[str],
                     count: int = SPEAKERS) -> list[str]:
    """Whose microphone a captioned space transcribes: everyone on its stage (the plenary's
    presenters) and its ``count`` most recent active speakers, members only, stage first.

    Not everyone: each voice costs a decoder and an engine, and a room's quiet listeners
    have nothing to caption."""
    present = set(members)
    chosen = [p for p in dict.fromkeys(stage) if p in present]
    speakers = [p for p in ranking if p in present and p not in chosen][:max(0, count)]
    return chosen + speakers


def partial_due(text: str, last_text: str, last_at: float, now: float,
                interval: float = PARTIAL_INTERVAL_S) -> bool:
    """Send the line being recognized now? Only when it changed and not more often than
    ``interval``: every partial is a database write and a message to the whole space."""
    return bool(text) and text != last_text and now - last_at >= interval


@dataclass(frozen=True)
class EngineChoice:
    engine: str  # EMBEDDED or WHISPER
    model: str | None  # the faster-whisper model directory
    fallback_reason: str | None = None  # why the configured engine is not used (logged)


def choose_engine(model: str | None, *, whisper_installed: bool, model_exists: bool) -> EngineChoice:
    """``CAPTIONS_MODEL`` names a faster-whisper model directory the operator provides; without
    it (or when it cannot be used) captions use the embedded pocketsphinx engine, which needs
    no download. A configured model that cannot be used says why."""
    if not model:
        return EngineChoice(EMBEDDED, None)
    if not whisper_installed:
        return EngineChoice(EMBEDDED, None, f"CAPTIONS_MODEL is {model!r} but faster-whisper is not installed "
                                            "(pip install faster-whisper): using the embedded pocketsphinx engine")
    if not model_exists:
        return EngineChoice(EMBEDDED, None, f"CAPTIONS_MODEL {model!r} is not a directory with a model: "
                                            "using the embedded pocketsphinx engine")
    return EngineChoice(WHISPER, model)


def parse_space_key(key: str) -> tuple[int, str] | None:
    """(convening id, space) of a media space key (``rooms.actions.publish.space_group``:
    ``convening.<id>.space.<space>``); None for anything else (tests' bare names)."""
    parts = key.split(".", 3)
    if len(parts) != 4 or parts[0] != "convening" or parts[2] != "space" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[3]
