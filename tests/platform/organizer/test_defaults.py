"""The pure defaults of each kind of convening (organizer.defaults)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from organizer.defaults import BREAKOUT, KINDS, PLENARY, NoSuchLocalTime, defaults_for, local_start
from rooms.planning import STRATEGIES

# Zones with daylight saving both ways, none, and a half-hour offset.
ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
         "Pacific/Honolulu", "UTC", "America/St_Johns"]


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def durations(plan: object) -> list[tuple[dt.timedelta, dt.timedelta]]:
    return [(utc(s.starts_at) - utc(plan.starts_at), utc(s.ends_at) - utc(s.starts_at)) for s in plan.sessions]


def clock_change_starts() -> list[dt.datetime]:
    """Every quarter hour from 22:00 the evening before to 04:00 on the days clocks change in 2026."""
    found = []
    for name in ("America/Los_Angeles", "Europe/London", "Australia/Sydney"):
        zone = zoneinfo.ZoneInfo(name)
        day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        while day.year == 2026:
            nxt = day + dt.timedelta(hours=1)
            if day.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
                base = nxt.astimezone(zone).replace(hour=0, minute=0) - dt.timedelta(hours=2)
                found += [(base.astimezone(dt.UTC) + dt.timedelta(minutes=15 * i)).astimezone(zone) for i in range(24)]
            day = nxt
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_around_every_clock_change_sessions_keep_order_and_length(kind: str) -> None:
    reference = durations(defaults_for(kind, dt.datetime(2026, 1, 7, 8, 30, tzinfo=dt.UTC)))
    for start in clock_change_starts():
        plan = defaults_for(kind, start)
        assert durations(plan) == reference, start
        ends = [utc(plan.starts_at)] + [utc(s.ends_at) for s in plan.sessions]
        assert all(utc(s.starts_at) >= end for s, end in zip(plan.sessions, ends)), start


@st.composite
def starts(draw: st.DrawFn) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(draw(st.sampled_from(ZONES)))
    naive = draw(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2035, 12, 31)))
    return naive.replace(tzinfo=zone, fold=draw(st.integers(0, 1)))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), start=starts())
def test_sessions_lie_inside_the_convening_in_order_without_overlap(kind: str, start: dt.datetime) -> None:
    plan = defaults_for(kind, start)
    # Compared in UTC: Python compares datetimes of one zone by their wall clocks, while the
    # database and everyone's calendars hold instants.
    first, last = utc(plan.starts_at), utc(plan.ends_at)
    assert first == utc(start) and last > first
    previous_end = first
    for session in plan.sessions:
        assert first <= utc(session.starts_at) < utc(session.ends_at) <= last
        assert utc(session.starts_at) >= previous_end  # ordered, no overlap, even across a clock change
        previous_end = utc(session.ends_at)
    assert [s.order for s in plan.sessions] == list(range(1, len(plan.sessions) + 1))
    # Every session lasts as long as on a day without a clock change (real minutes, not wall-clock).
    assert durations(plan) == durations(defaults_for(kind, dt.datetime(2026, 1, 7, 8, 30, tzinfo=dt.UTC)))
    # Shown in the convening's own zone.
    assert all(s.starts_at.tzinfo is start.tzinfo for s in plan.sessions)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_plenary_and_breakout_sessions_and_an_evaluation(kind: str) -> None:
    plan = defaults_for(kind, dt.datetime(2026, 3, 4, 8, 30, tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles")))
    kinds = {s.kind for s in plan.sessions}
    assert {PLENARY, BREAKOUT} <= kinds
    assert plan.breakout_strategy in STRATEGIES
    assert plan.evaluation_survey
    assert all(s.topic_kind for s in plan.sessions if s.kind == BREAKOUT)


@pytest.mark.parametrize(("kind", "strategy", "topic_kind"), [
    ("academy", "topic", "core_component"), ("regional", "region", "region"), ("roundtable", "role", "role")])
def test_breakouts_follow_the_kind(kind: str, strategy: str, topic_kind: str) -> None:
    plan = defaults_for(kind, dt.datetime(2026, 3, 4, 8, 30, tzinfo=dt.UTC))
    assert plan.breakout_strategy == strategy
    assert {s.topic_kind for s in plan.sessions if s.kind == BREAKOUT} == {topic_kind}


def test_a_day_the_clocks_change_keeps_real_durations() -> None:
    # Sunday 10 March 2024, Los Angeles springs forward at 02:00: a meeting starting at 01:00.
    la = zoneinfo.ZoneInfo("America/Los_Angeles")
    plan = defaults_for("roundtable", dt.datetime(2024, 3, 10, 1, 0, tzinfo=la))
    assert utc(plan.ends_at) - utc(plan.starts_at) == dt.timedelta(minutes=150)
    assert plan.ends_at.astimezone(la).hour == 4  # 01:00 + 2h30 real time is 04:30 after the jump
    assert plan.ends_at.astimezone(la).minute == 30


def test_unknown_kind_and_naive_start_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown kind"):
        defaults_for("festival", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="time zone"):
        defaults_for("academy", dt.datetime(2026, 1, 1))


def test_local_start_refuses_a_time_that_does_not_exist() -> None:
    with pytest.raises(NoSuchLocalTime, match="does not exist"):
        local_start(dt.date(2024, 3, 10), dt.time(2, 30), "America/Los_Angeles")
    # Falling back: 01:30 happens twice; the first (daylight time) is taken.
    first = local_start(dt.date(2024, 11, 3), dt.time(1, 30), "America/Los_Angeles")
    assert first.utcoffset() == dt.timedelta(hours=-7)
    assert local_start(dt.date(2026, 3, 4), dt.time(8, 30), "Asia/Kolkata").utcoffset() == dt.timedelta(hours=5, minutes=30)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31)),
       time=st.times(), zone=st.sampled_from(ZONES))
def test_local_start_round_trips_or_refuses(day: dt.date, time: dt.time, zone: str) -> None:
    try:
        aware = local_start(day, time, zone)
    except NoSuchLocalTime:
        return
    assert aware.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None) == dt.datetime.combine(day, time)
