"""What people are told when an organizer edits the agenda: ``organizer.changes.what_changed`` (pure)."""
from __future__ import annotations

import datetime as dt

from organizer.changes import SessionFacts, what_changed

ZONE = "America/New_York"
NINE = dt.datetime(2031, 3, 11, 13, 0, tzinfo=dt.UTC)  # 9:00 AM in New York (daylight time)
OPENING = SessionFacts("Opening plenary", "Plenary", NINE, NINE + dt.timedelta(hours=1))


def test_nothing_people_were_told_changed_says_nothing() -> None:
    assert what_changed(OPENING, OPENING, ZONE) == []
    assert what_changed(None, None, ZONE) == []


def test_each_change_is_a_line_on_the_convenings_clock() -> None:
    later = SessionFacts("Welcome", "Breakout", NINE + dt.timedelta(minutes=15), NINE + dt.timedelta(hours=1))
    assert what_changed(OPENING, later, ZONE) == [
        "Title: now “Welcome” (was “Opening plenary”)", "Kind: now Breakout (was Plenary)",
        "Time: now Tue 11 Mar 2031, 9:15 AM – 10:00 AM (America/New_York; was Tue 11 Mar 2031, 9:00 AM – 10:00 AM)"]


def test_a_session_added_or_removed_says_when_it_is_or_was() -> None:
    assert what_changed(None, OPENING, ZONE) == [
        "New on the agenda: Plenary, Tue 11 Mar 2031, 9:00 AM – 10:00 AM (America/New_York)"]
    assert what_changed(OPENING, None, ZONE) == [
        "Removed from the agenda (it was Plenary, Tue 11 Mar 2031, 9:00 AM – 10:00 AM, America/New_York)"]
