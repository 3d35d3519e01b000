"""The agenda marks sessions live now, up next and ended, by the clock a test chooses:
exactly at a session's start it is live, exactly at its end it has ended."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from convenings.agenda import agenda, session_status
from convenings.demo import PHASES, agenda_midnight, seed

MINUTE = dt.timedelta(minutes=1)
T = dt.datetime(2026, 12, 6, 17, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("now", "expected"), [
    (T - MINUTE, "next"), (T, "live"), (T + 59 * MINUTE, "live"), (T + 60 * MINUTE, "ended"),
])
def test_boundaries(now: dt.datetime, expected: str) -> None:
    assert session_status(T, T + 60 * MINUTE, now, is_next=True) == expected


def test_a_later_session_that_is_not_next_is_unmarked() -> None:
    assert session_status(T, T + MINUTE, T - MINUTE, is_next=False) == ""


# The demo's agenda clock → the status of its five sessions (08:30, 09:45, 11:00, 12:30, 13:45).
EXPECTED = {
    "before": ["next", "", "", "", ""],
    "session": ["live", "next", "", "", ""],
    "surveys": ["ended", "live", "next", "", ""],
    "between": ["ended", "ended", "ended", "next", ""],
    "after": ["ended"] * 5,
}


@pytest.mark.django_db
@pytest.mark.parametrize("phase", list(PHASES))
def test_the_demo_in_each_phase(phase: str) -> None:
    now = dt.datetime(2026, 3, 8, 9, 59, 30, tzinfo=dt.UTC)  # 01:59:30 in Los Angeles, hours before DST starts
    convening = seed(now=now, at=PHASES[phase]).convening
    assert [item.status for item in agenda(convening, now=now)] == EXPECTED[phase]


@pytest.mark.django_db
def test_a_convening_across_midnight_utc_keeps_its_day() -> None:
    """At 22:00 in Los Angeles (06:00 UTC the next day) the academy seeded "live now" runs
    across midnight UTC and across its own date line; durations stay exact."""
    now = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)
    convening = seed(now=now, at=PHASES["session"]).convening
    assert convening.ends_at - convening.starts_at == dt.timedelta(hours=7)
    assert convening.starts_at < now < convening.ends_at
    assert agenda_midnight(now, "08:45") == now - dt.timedelta(hours=8, minutes=45)


@pytest.mark.django_db
def test_the_page_shows_the_live_session(client: Client) -> None:
    convening = seed(at=PHASES["surveys"]).convening  # the page reads the real clock: seeded around it
    html = client.get(convening.get_absolute_url()).content.decode()
    assert html.count("Live now") == 1 and html.count("Up next") == 1 and html.count(">Ended<") == 1
    live = convening.sessions.get(order=2)
    assert f'id="session-{live.pk}" aria-current="time"' in html
