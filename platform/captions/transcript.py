"""A transcript as WebVTT and as plain text: pure formatting of committed caption lines.

Times in the WebVTT file count from the transcript's origin (the session's start, so the
cues line up with a recording of the session; the first line when no session was live).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# A cue needs an end after its start (WebVTT); a line committed the moment it began (pasted,
# or a whole automatic phrase) stays up at least this long.
MIN_CUE_S = 1.0


@dataclass(frozen=True)
class Line:
    text: str
    started_at: dt.datetime
    ended_at: dt.datetime
    source: str  # "person" | "automatic"
    captioner: str | None = None  # who typed it
    speaker: str | None = None  # who said it, when known


@dataclass(frozen=True)
class Transcript:
    title: str  # "Opening plenary · Plenary"
    origin: dt.datetime
    lines: tuple[Line, ...]


def vtt_time(seconds: float) -> str:
    """``HH:MM:SS.mmm`` (WebVTT allows more than 99 hours; a transcript never needs it)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    """Cue payload: one line, '&', '<' and '>' escaped (WebVTT markup), and no '-->' (which
    would be read as a timing line)."""
    one_line = " ".join(text.split())
    escaped = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("--&gt;", "-- &gt;")


def _voice(name: str) -> str:
    # A voice annotation ends at '>' and may not hold '&', '<' or newlines.
    return " ".join(name.replace("&", "and").replace("<", "").replace(">", "").split())


def _note(text: str) -> str:
    # A NOTE block ends at a blank line and may not contain '-->'.
    return " ".join(text.split()).replace("-->", "->")


def webvtt(transcript: Transcript) -> str:
    parts = ["WEBVTT", "", f"NOTE {_note(transcript.title)}", ""]
    for number, line in enumerate(transcript.lines, start=1):
        start = max(0.0, (line.started_at - transcript.origin).total_seconds())
        end = max(start + MIN_CUE_S, (line.ended_at - transcript.origin).total_seconds())
        text = _cue_text(line.text)
        if line.speaker:
            text = f"<v {_voice(line.speaker)}>{text}"
        parts += [str(number), f"{vtt_time(start)} --> {vtt_time(end)}", text, ""]
    return "\n".join(parts)


def captioned_by(lines: tuple[Line, ...] | list[Line]) -> list[str]:
    """Who and what captioned, in order of first appearance: "Jordan Ellis (CART)", "automatic"."""
    seen: list[str] = []
    for line in lines:
        label = f"{line.captioner} (CART)" if line.source == "person" and line.captioner else (
            "automatic captions (may contain errors)" if line.source == "automatic" else "unknown")
        if label not in seen:
            seen.append(label)
    return seen


def plain_text(transcript: Transcript, tz: ZoneInfo) -> str:
    """One caption per line with its local time: ``09:02:11  Maria Garcia: text``."""
    out = [transcript.title, f"Captioned by: {', '.join(captioned_by(transcript.lines)) or 'nobody'}", ""]
    for line in transcript.lines:
        stamp = line.started_at.astimezone(tz).strftime("%H:%M:%S")
        who = f"{line.speaker}: " if line.speaker else ""
        out.append(f"{stamp}  {who}{' '.join(line.text.split())}")
    return "\n".join(out) + "\n"
