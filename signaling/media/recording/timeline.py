"""A recording's timeline: what was published when, who was on the stage, where the gaps are.

Written by the writer thread as JSON lines (one event each, flushed as written, so a crash keeps
it), read back by the offline render. ``t`` is seconds since the recording began. Events::

    {"t": 0.0, "event": "begin", "space": ..., "wall": "<ISO time>"}
    {"t": ..., "event": "publication", "pub": ..., "participant": ..., "kind": "video"|"audio",
     "label": "camera"|"screen"|"microphone", "file": "<name>.webm"}
    {"t": ..., "event": "unpublished", "pub": ...}
    {"t": ..., "event": "stage", "participants": [...]}
    {"t": ..., "event": "gap", "pub": ..., "from": s, "to": s}
    {"t": ..., "event": "end", "reason": "stopped"|"disk_full"|...}

Pure: no I/O beyond parsing the lines it is given.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

FILE = "timeline.jsonl"


@dataclass
class Track:
    pub: str
    participant: str
    kind: str
    label: str
    file: str
    start: float
    end: float | None = None  # None: published until the recording ended

    def live_at(self, t: float, duration: float) -> bool:
        return self.start <= t < (duration if self.end is None else self.end)


@dataclass
class Timeline:
    space: str = ""
    wall: str = ""
    tracks: dict[str, Track] = field(default_factory=dict)
    stages: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    gaps: list[tuple[str, float, float]] = field(default_factory=list)
    duration: float = 0.0
    ended: str | None = None  # the end event's reason; None: the writer never finished (a crash)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Timeline:
        timeline = cls()
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            timeline._apply(event)
        return timeline

    def _apply(self, event: dict[str, Any]) -> None:
        t = float(event.get("t", 0.0))
        self.duration = max(self.duration, t)
        kind = event.get("event")
        if kind == "begin":
            self.space, self.wall = event.get("space", ""), event.get("wall", "")
        elif kind == "publication":
            self.tracks[event["pub"]] = Track(event["pub"], event["participant"], event["kind"], event["label"],
                                              event["file"], t)
        elif kind == "unpublished" and event.get("pub") in self.tracks:
            self.tracks[event["pub"]].end = t
        elif kind == "stage":
            self.stages.append((t, tuple(event.get("participants", ()))))
        elif kind == "gap":
            self.gaps.append((event["pub"], float(event["from"]), float(event["to"])))
        elif kind == "end":
            self.ended = event.get("reason", "stopped")

    def stage_at(self, t: float) -> tuple[str, ...]:
        i = bisect_right([at for at, _ in self.stages], t)
        return self.stages[i - 1][1] if i else ()

    def video_at(self, t: float) -> str | None:
        """The publication the rendered stage shows at ``t``: a screen share before a camera,
        the stage's people before anyone else (rooms have no stage: everyone counts)."""
        live = [tr for tr in self.tracks.values() if tr.kind == "video" and tr.live_at(t, self.duration)]
        stage = self.stage_at(t)
        on_stage = [tr for tr in live if tr.participant in stage] or live
        screens = [tr for tr in on_stage if tr.label == "screen"]
        if screens:
            return max(screens, key=lambda tr: tr.start).pub  # the newest share
        return min(on_stage, key=lambda tr: tr.start).pub if on_stage else None

    def audio_tracks(self) -> list[Track]:
        return [tr for tr in self.tracks.values() if tr.kind == "audio"]
