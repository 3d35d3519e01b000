"""Active-speaker selection and subscription selection (pure, no media)."""

from __future__ import annotations

from signaling.media.selection import PubRef, SpaceView, select_publications
from signaling.media.speakers import SILENCE_LEVEL, SpeakerTracker, select_speakers

LOUD = 20  # -20 dBov


def speak(tracker: SpeakerTracker, who: str, start: float, seconds: float, level: int = LOUD) -> bool:
    changed = False
    t = start
    while t < start + seconds:
        changed |= tracker.observe(who, level, t)
        t += 0.02
    return changed


def test_speaker_needs_sustained_speech() -> None:
    tracker = SpeakerTracker(min_speech=0.2)
    assert not speak(tracker, "a", 0.0, 0.1)  # a click, not speech
    assert tracker.ranking() == []
    assert speak(tracker, "a", 0.1, 0.3)
    assert tracker.ranking() == ["a"]


def test_silence_gap_restarts_the_speech_timer() -> None:
    tracker = SpeakerTracker(min_speech=0.2, max_gap=0.3)
    speak(tracker, "a", 0.0, 0.15)
    speak(tracker, "a", 0.15, 0.5, level=SILENCE_LEVEL)
    assert not speak(tracker, "a", 0.65, 0.1)  # new stretch: only 0.1 s so far
    assert tracker.ranking() == []


def test_quiet_levels_are_not_speech() -> None:
    tracker = SpeakerTracker(threshold=50)
    speak(tracker, "a", 0.0, 2.0, level=80)
    speak(tracker, "b", 0.0, 2.0, level=SILENCE_LEVEL)
    assert tracker.ranking() == []


def test_ranking_is_most_recent_first_and_change_only_on_membership() -> None:
    tracker = SpeakerTracker(watch=2)
    assert speak(tracker, "a", 0.0, 0.5)
    assert speak(tracker, "b", 1.0, 0.5)
    assert tracker.ranking() == ["b", "a"]
    assert not speak(tracker, "a", 2.0, 0.5)  # reorder inside the watched set
    assert tracker.ranking() == ["a", "b"]
    assert speak(tracker, "c", 3.0, 0.5)  # c displaces b
    assert tracker.ranking(2) == ["c", "a"]


def test_forget_removes_a_speaker() -> None:
    tracker = SpeakerTracker(watch=2)
    speak(tracker, "a", 0.0, 0.5)
    assert tracker.forget("a")
    assert not tracker.forget("a")
    assert tracker.ranking() == []


def test_select_speakers_skips_viewer_and_stage() -> None:
    ranking = ["v", "p", "a", "b", "c"]
    assert select_speakers(ranking, viewer="v", exclude=frozenset({"p"}), count=2) == ["a", "b"]
    assert select_speakers(ranking, viewer="x", exclude=frozenset(), count=0) == []


def _pubs(*members: str) -> dict[str, list[PubRef]]:
    labels = ("camera", "microphone", "screen")
    return {m: [PubRef(f"{m}/{label}", m, label) for label in labels] for m in members}


def test_room_everyone_sees_everyone() -> None:
    view = SpaceView(members=("a", "b", "c"), large=False, stage=(), speaker_ranking=(), active_speakers=1)
    chosen = select_publications("a", view, _pubs("a", "b", "c"))
    assert {p.participant_id for p in chosen} == {"b", "c"}
    assert len(chosen) == 6


def test_large_space_stage_plus_recent_speakers_only() -> None:
    members = ("viewer", "presenter", "s1", "s2", "s3", "quiet")
    view = SpaceView(
        members=members,
        large=True,
        stage=("presenter",),
        speaker_ranking=("s3", "presenter", "s1", "s2"),
        active_speakers=2,
    )
    chosen = select_publications("viewer", view, _pubs(*members))
    ids = [p.pub_id for p in chosen]
    assert ids[:3] == ["presenter/camera", "presenter/microphone", "presenter/screen"]
    assert set(ids[3:]) == {"s3/camera", "s3/microphone", "s1/camera", "s1/microphone"}
    assert not any(p.participant_id in ("quiet", "s2") for p in chosen)
    assert "s1/screen" not in ids  # only presenters' screens are forwarded


def test_large_space_ignores_stage_members_not_in_space() -> None:
    view = SpaceView(members=("v", "a"), large=True, stage=("gone",), speaker_ranking=("gone", "a"), active_speakers=4)
    chosen = select_publications("v", view, _pubs("v", "a"))
    assert {p.pub_id for p in chosen} == {"a/camera", "a/microphone"}
