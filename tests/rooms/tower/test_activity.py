"""The control tower's pure parts: room activity lines, their deltas, and who hears whom
across spaces (signaling.media.spaces.Crossings)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rooms.activity import SPEAKING_WINDOW_S, MediaFacts, RoomActivity, RoomFacts, delta, summarize, summarize_all
from signaling.media.spaces import Crossings
from signaling.media.speakers import SpeakerTracker

OFFSET = 1_700_000_000.0  # wall clock minus monotonic
ROOM = RoomFacts(key="room-1", name="Math 1", people=(1, 2, 3), help=True, top_five=3)


def test_a_room_with_someone_speaking_names_them_most_recent_first() -> None:
    line = summarize(ROOM, MediaFacts(heard={1: 99.0, 2: 99.8, 3: 50.0}, trouble=frozenset({3, 9})), 100.0, OFFSET)
    assert line.speaking == (2, 1)
    assert line.quiet_since is None and line.heard
    assert (line.people, line.top_five, line.help) == (3, 3, True)
    assert line.trouble == (3,)  # 9 is not in this room


def test_a_quiet_room_says_since_when_and_a_silent_one_says_nobody_spoke() -> None:
    quiet = summarize(ROOM, MediaFacts(heard={1: 40.2}), 100.0, OFFSET)
    assert quiet.speaking == () and quiet.quiet_since == round(40.2 + OFFSET)
    silent = summarize(ROOM, MediaFacts(), 100.0, OFFSET)
    assert silent.quiet_since is None and not silent.heard


def test_people_heard_in_a_room_they_left_do_not_count() -> None:
    line = summarize(ROOM, MediaFacts(heard={7: 100.0}), 100.0, OFFSET)
    assert line.speaking == () and not line.heard


def test_top_five_is_capped() -> None:
    assert summarize(RoomFacts("r", "R", (), top_five=9), MediaFacts(), 0.0, OFFSET).top_five == 5


def test_a_room_that_stays_quiet_keeps_the_same_line_so_nothing_is_sent() -> None:
    media = {"room-1": MediaFacts(heard={1: 40.0})}
    first = summarize_all([ROOM], media, 100.0, OFFSET)
    later = summarize_all([ROOM], media, 160.0, OFFSET)
    assert delta(first, later) == ([], [])


def test_delta_sends_changed_and_new_rooms_and_names_closed_ones() -> None:
    other = RoomFacts(key="room-2", name="Math 2", people=(4,))
    before = summarize_all([ROOM, other], {}, 100.0, OFFSET)
    after = summarize_all([ROOM], {"room-1": MediaFacts(heard={1: 100.0})}, 100.0, OFFSET)
    changed, gone = delta(before, after)
    assert [line.room for line in changed] == ["room-1"] and changed[0].speaking == (1,)
    assert gone == ["room-2"]


lines = st.builds(RoomActivity, room=st.sampled_from(["a", "b", "c", "d"]), name=st.just("R"),
                  people=st.integers(0, 3), speaking=st.tuples(), quiet_since=st.none() | st.integers(0, 5),
                  heard=st.booleans(), top_five=st.integers(0, 5), help=st.booleans(), trouble=st.tuples())
states = st.lists(lines).map(lambda ls: {line.room: line for line in ls})


@given(states, states)
def test_applying_the_delta_gives_the_new_state(before: dict[str, RoomActivity], after: dict[str, RoomActivity]) -> None:
    changed, gone = delta(before, after)
    seen = {**before}
    for key in gone:
        del seen[key]
    seen.update({line.room: line for line in changed})
    assert seen == after
    assert all(before.get(line.room) != line for line in changed)  # nothing unchanged is re-sent


@given(st.dictionaries(st.integers(1, 6), st.floats(0, 200)), st.floats(0, 200))
def test_speaking_means_heard_within_the_window(heard: dict[int, float], now: float) -> None:
    line = summarize(RoomFacts("r", "R", (1, 2, 3, 4)), MediaFacts(heard=heard), now, OFFSET)
    members = {p: at for p, at in heard.items() if p <= 4}
    assert set(line.speaking) == {p for p, at in members.items() if now - at <= SPEAKING_WINDOW_S}
    assert (line.quiet_since is None) == (bool(line.speaking) or not members)


def test_the_speaker_tracker_reports_when_each_speaker_was_last_heard() -> None:
    tracker = SpeakerTracker(min_speech=0.2)
    t = 0.0
    while t < 0.5:
        tracker.observe("a", 20, t)
        t += 0.02
    assert abs(tracker.last_heard()["a"] - 0.48) < 0.03


def test_crossings_listening_and_speaking() -> None:
    c = Crossings()
    c.listen("mod", "room-1")
    c.speak("mod", frozenset({"room-1", "room-2"}))
    assert c.listeners_of("room-1") == ["mod"] and c.speakers_to("room-2") == ["mod"]
    # The moderator's voice stays out of every space it does not speak to: the plenary too.
    assert c.withheld("mod", "plenary") and not c.withheld("mod", "room-1") and not c.withheld("p", "plenary")
    assert c.audio_sources("mod", "plenary") == ("room-1", [])
    assert c.audio_sources("p", "room-2") == (None, ["mod"])
    assert c.audio_sources("mod", "room-1") == (None, [])  # listening to one's own space adds nothing
    assert c.forget("mod") == ("room-1", frozenset({"room-1", "room-2"}))
    assert not c.listening and not c.speaking
    c.speak("mod", frozenset())
    assert not c.withheld("mod", "plenary")
