"""The doors (convenings.opening): who may enter the live convening when, and the words for it."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from convenings.opening import EARLY_ENTRY, EARLY_ROLES, Doors, Phase, clock_time, day_and_time, may_enter, not_open_yet

START = dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC)  # 8:00 AM in Los Angeles (PST until March 8, PDT after)
DOORS = Doors(START, START + dt.timedelta(hours=7), "America/Los_Angeles")
ROLES = st.sampled_from(["organizer", "moderator", "presenter", "participant"])
OFFSETS = st.integers(min_value=-3 * 24 * 3600, max_value=3 * 24 * 3600).map(lambda s: dt.timedelta(seconds=s))


@given(ROLES, OFFSETS)
def test_participants_wait_for_the_doors_the_others_never_do(role: str, offset: dt.timedelta) -> None:
    now = START + offset
    expected = role in EARLY_ROLES or now >= START - EARLY_ENTRY
    assert may_enter(role, DOORS, now) is expected


@given(OFFSETS)
def test_phases_follow_the_clock(offset: dt.timedelta) -> None:
    now = START + offset
    phase = DOORS.phase(now)
    assert (phase is Phase.BEFORE) == (now < START - EARLY_ENTRY)
    assert (phase is Phase.ENDED) == (now >= DOORS.ends_at)


def test_times_read_as_in_the_convenings_time_zone() -> None:
    assert clock_time(START, DOORS.tz) == "9:00 AM PDT"  # DST began on March 8, 2026
    winter = dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)
    assert clock_time(winter, DOORS.tz) == "8:00 AM PST"
    assert clock_time(winter + dt.timedelta(hours=5, minutes=5), DOORS.tz) == "1:05 PM PST"
    assert clock_time(winter - dt.timedelta(hours=8), DOORS.tz) == "12:00 AM PST"


def test_the_day_is_said_when_it_is_not_today() -> None:
    winter = dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)
    tz = DOORS.tz
    assert day_and_time(winter, tz, winter - dt.timedelta(hours=2)) == "at 8:00 AM PST"
    assert day_and_time(winter, tz, winter - dt.timedelta(days=1)) == "tomorrow at 8:00 AM PST"
    assert day_and_time(winter, tz, winter + dt.timedelta(days=1)) == "yesterday at 8:00 AM PST"
    assert day_and_time(winter, tz, winter - dt.timedelta(days=3)) == "on Monday, December 7 at 8:00 AM PST"


def test_the_refusal_names_the_opening_and_the_doors_in_utc() -> None:
    winter = dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)
    doors = Doors(winter, winter + dt.timedelta(hours=7), "America/Los_Angeles")
    text = not_open_yet("Statewide Leadership Academy", doors, winter - dt.timedelta(hours=1))
    assert text == ("Statewide Leadership Academy opens at 8:00 AM PST; participants can join from 7:45 AM PST. "
                    "Doors open at 2026-12-07T15:45:00+00:00.")


def test_an_unknown_time_zone_still_reads_in_utc() -> None:
    assert clock_time(START, Doors(START, START, "Nowhere/Land").tz) == "4:00 PM UTC"
