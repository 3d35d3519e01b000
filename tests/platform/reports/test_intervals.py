"""Minutes present = length of the union of a person's intervals."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reports.intervals import clip, merge, minutes, total

T0 = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)


def t(m: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=m)


intervals = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 120)).map(lambda p: (t(p[0]), t(p[0] + p[1]))),
                     max_size=8)


def covered(spans: list[tuple[dt.datetime, dt.datetime]]) -> set[int]:
    """Brute force: the whole minutes covered (all our test times are whole minutes)."""
    return {m for start, end in spans for m in range(int((start - T0).total_seconds() // 60),
                                                      int((end - T0).total_seconds() // 60))}


@given(intervals)
def test_total_equals_brute_force_minute_count(spans: list[tuple[dt.datetime, dt.datetime]]) -> None:
    assert total(spans) == dt.timedelta(minutes=len(covered(spans)))


@given(intervals)
def test_merge_is_sorted_disjoint_and_covers_the_same_time(spans: list[tuple[dt.datetime, dt.datetime]]) -> None:
    merged = merge(spans)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:]))
    assert all(start < end for start, end in merged)
    assert covered(merged) == covered(spans)
    assert merge(merged) == merged


@given(intervals, intervals)
def test_union_bounds(a: list, b: list) -> None:
    assert max(total(a), total(b)) <= total(a + b) <= total(a) + total(b)
    assert total(a + a) == total(a)  # a second tab over the same time adds nothing


@given(intervals, st.integers(0, 300), st.integers(0, 300))
def test_clip_keeps_only_time_inside_the_window(spans: list, x: int, y: int) -> None:
    low, high = sorted((x, y))
    assert covered(clip(spans, (t(low), t(high)))) == {m for m in covered(spans) if low <= m < high}


def test_two_tabs_and_a_room() -> None:
    tab1, tab2, room = (t(0), t(30)), (t(15), t(60)), (t(90), t(105))
    assert minutes(total([tab1, tab2, room])) == 75


def test_minutes_round_half_up() -> None:
    assert minutes(dt.timedelta(seconds=29 * 60 + 29)) == 29
    assert minutes(dt.timedelta(seconds=29 * 60 + 30)) == 30
