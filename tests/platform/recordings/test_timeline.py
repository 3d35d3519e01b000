"""What the rendered stage shows when (pure): a screen share before a camera, the stage's people
before anyone else; a timeline cut short by a crash still reads; VP8 keyframe sizes."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from signaling.media.recording.timeline import Timeline
from signaling.media.recording.vp8 import keyframe_size


def timeline(*events: dict) -> Timeline:
    return Timeline.parse(json.dumps(e) for e in events)


def pub(t: float, key: str, who: str, label: str) -> dict:
    kind = "audio" if label == "microphone" else "video"
    return {"t": t, "event": "publication", "pub": key, "participant": who, "kind": kind, "label": label,
            "file": f"{key}.webm"}


PLENARY = timeline(
    {"t": 0, "event": "begin", "space": "plenary"},
    pub(0, "a-cam", "A", "camera"), pub(0, "a-mic", "A", "microphone"), pub(0, "m-cam", "M", "camera"),
    {"t": 0, "event": "stage", "participants": ["A"]},
    pub(10, "a-screen", "A", "screen"),
    {"t": 20, "event": "unpublished", "pub": "a-screen"},
    {"t": 25, "event": "stage", "participants": []},
    {"t": 30, "event": "gap", "pub": "a-cam", "from": 28.5, "to": 30},
    {"t": 40, "event": "end", "reason": "stopped"},
)


def test_the_stage_follows_the_presenter_from_camera_to_screen_and_back() -> None:
    assert [PLENARY.video_at(t) for t in (5, 10, 19.9, 20, 26)] == ["a-cam", "a-screen", "a-screen", "a-cam", "a-cam"]
    assert PLENARY.stage_at(26) == () and PLENARY.stage_at(1) == ("A",)
    assert PLENARY.duration == 40 and PLENARY.ended == "stopped"
    assert PLENARY.gaps == [("a-cam", 28.5, 30.0)]
    assert [t.pub for t in PLENARY.audio_tracks()] == ["a-mic"]


def test_a_timeline_cut_by_a_crash_reads_up_to_it() -> None:
    lines = [json.dumps(pub(0, "a-cam", "A", "camera")), json.dumps({"t": 3.5, "event": "stage", "participants": ["A"]}),
             '{"t": 4.1, "event": "sta']
    cut = Timeline.parse(lines)
    assert cut.ended is None and cut.duration == 3.5 and cut.video_at(1) == "a-cam"


@given(st.lists(st.tuples(st.floats(0, 100), st.sampled_from(["camera", "screen"]), st.sampled_from("ABC")),
                max_size=8), st.floats(0, 100))
def test_the_stage_shows_a_live_video_and_prefers_a_screen(tracks: list, t: float) -> None:
    events = [pub(start, f"p{i}", who, label) for i, (start, label, who) in enumerate(tracks)]
    tl = timeline(*events, {"t": 100, "event": "end"})
    chosen = tl.video_at(t)
    live = [tr for tr in tl.tracks.values() if tr.live_at(t, tl.duration)]
    assert (chosen is None) == (not live)
    if any(tr.label == "screen" for tr in live):
        assert tl.tracks[chosen].label == "screen"


def test_vp8_keyframe_sizes() -> None:
    key = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]) + (640).to_bytes(2, "little") + (360).to_bytes(2, "little")
    assert keyframe_size(key) == (640, 360)
    assert keyframe_size(bytes([0x11]) + key[1:]) is None  # an interframe
    assert keyframe_size(key[:8]) is None
