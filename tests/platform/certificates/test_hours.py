"""PD hours from attendance intervals, and verification codes: pure, property-tested."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import codes
from certificates.hours import SessionWindow, attended_within, attending, enough, hours_text, session_hours, totals
from certificates.pdf import LATIN1, drawable

T0 = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def t(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def session(start: float, end: float, category: str = "CTLE", sid: int = 1) -> SessionWindow:
    return SessionWindow(sid, f"Session {sid}", t(start), t(end), category)


# Intervals on a 0–300 minute day, to the second.
seconds = st.integers(min_value=0, max_value=300 * 60)
spans = st.lists(st.tuples(seconds, seconds).map(sorted).map(
    lambda p: (T0 + dt.timedelta(seconds=p[0]), T0 + dt.timedelta(seconds=p[1]))), max_size=12)
windows = st.tuples(seconds, seconds).filter(lambda p: p[0] < p[1]).map(
    lambda p: (T0 + dt.timedelta(seconds=p[0]), T0 + dt.timedelta(seconds=p[1])))


@given(spans, windows)
def test_minutes_never_exceed_the_session(intervals, window) -> None:
    assert dt.timedelta(0) <= attended_within(intervals, window) <= window[1] - window[0]


@given(spans, windows, st.data())
def test_splitting_an_interval_changes_nothing(intervals, window, data) -> None:
    if not intervals:
        return
    i = data.draw(st.integers(0, len(intervals) - 1))
    start, end = intervals[i]
    cut = start + (end - start) * data.draw(st.floats(0, 1))
    split = intervals[:i] + [(start, cut), (cut, end)] + intervals[i + 1:]
    assert attended_within(split, window) == attended_within(intervals, window)


@given(spans, windows, st.data())
def test_overlapping_tabs_count_once(intervals, window, data) -> None:
    # A second tab open during any part of what is already counted adds nothing.
    base = attended_within(intervals, window)
    assert attended_within(intervals + intervals, window) == base
    if intervals:
        start, end = data.draw(st.sampled_from(intervals))
        inner = (start + (end - start) / 3, end - (end - start) / 3)
        assert attended_within(intervals + [inner], window) == base


@given(spans, windows, st.randoms())
def test_the_order_of_rows_does_not_matter(intervals, window, rnd) -> None:
    shuffled = list(intervals)
    rnd.shuffle(shuffled)
    assert attended_within(shuffled, window) == attended_within(intervals, window)


@given(st.integers(1, 100), st.integers(1, 10_000))
def test_the_threshold_is_exact_at_the_boundary(percent, length_s) -> None:
    length = dt.timedelta(seconds=length_s)
    needed = length * percent / 100
    assert enough(length, length, percent)
    assert not enough(needed - dt.timedelta(microseconds=1), length, percent)
    assert enough(needed + dt.timedelta(microseconds=1), length, percent)


def test_eighty_percent_of_an_hour_is_48_minutes() -> None:
    hour = session(0, 60)
    assert session_hours([(t(12), t(60))], [hour], 80, t(100))[0].counts
    assert not session_hours([(t(12) + dt.timedelta(seconds=1), t(60))], [hour], 80, t(100))[0].counts


def test_a_counted_session_credits_its_whole_length() -> None:
    [entry] = session_hours([(t(5), t(60))], [session(0, 60)], 80, t(100))
    assert (entry.minutes_attended, entry.credit_minutes) == (55, 60)


def test_plenary_and_room_time_add_up_and_the_lobby_does_not_count() -> None:
    rows = [("lobby", t(-20), t(0)), ("plenary", t(0), t(30)), ("room:3", t(30), t(50)), ("plenary", t(50), t(60))]
    [entry] = session_hours(attending(rows), [session(0, 60)], 80, t(100))
    assert entry.minutes_attended == 60 and entry.counts
    [lobby_only] = session_hours(attending([("lobby", t(0), t(60))]), [session(0, 60)], 80, t(100))
    assert lobby_only.minutes_attended == 0 and not lobby_only.counts


def test_a_running_session_counts_what_has_happened_and_a_future_one_is_left_out() -> None:
    sessions = [session(0, 60, sid=1), session(90, 150, sid=2)]
    [running] = session_hours([(t(-3), t(15))], sessions, 80, as_of=t(15))
    assert running.session.session_id == 1
    assert (running.minutes_attended, running.credit_minutes, running.counts) == (15, 15, True)


def test_a_session_without_a_category_earns_nothing() -> None:
    [entry] = session_hours([(t(0), t(60))], [session(0, 60, category="")], 80, t(100))
    assert entry.minutes_attended == 60 and not entry.counts and entry.credit_minutes == 0


def test_totals_per_category_in_the_organizers_order() -> None:
    sessions = [session(0, 60, "CTLE", 1), session(60, 90, "ELL", 2), session(90, 150, "CTLE", 3),
                session(150, 200, "SWD", 4)]
    entries = session_hours([(t(0), t(150))], sessions, 80, t(300))
    assert totals(entries, ["ELL", "CTLE", "SWD"]) == {"ELL": 30, "CTLE": 120}
    assert [hours_text(m) for m in (60, 45, 40, 0)] == ["1.00", "0.75", "0.67", "0.00"]


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**60 - 1))
def test_codes_read_back_however_they_are_typed(n) -> None:
    code = "".join(codes.ALPHABET[(n >> (5 * i)) & 31] for i in range(codes.LENGTH))
    assert codes.normalize(code) == code
    assert codes.normalize(codes.grouped(code).lower()) == code
    assert codes.normalize(" ".join(codes.grouped(code).split("-"))) == code
    assert codes.normalize(code.replace("0", "O").replace("1", "l")) == code


def test_new_codes_are_random_and_well_formed() -> None:
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    assert all(codes.normalize(c) == c and len(c) == 12 for c in made)


@given(st.text(max_size=80))
def test_junk_is_never_a_code(text) -> None:
    code = codes.normalize(text)
    assert code is None or (len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET))


@given(st.text(max_size=40))
def test_a_pdf_font_never_drops_a_character_silently(text) -> None:
    drawn = drawable(text, LATIN1)
    assert all(ord(ch) < 256 for ch in drawn)
    assert len(drawn) >= len(text)  # every character became itself, its base letters, or "?"
    assert drawable("Nguyễn Łukasz García", LATIN1) == "Nguyen Lukasz García"
