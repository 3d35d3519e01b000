"""rooms.clock: the breakout clock's timetable, checked directly (no event loop, no database).
The worker's loop (signaling.worker) sleeps ``sleep_s``, runs ``due`` in order and reports
``ran``; these tests play that loop with made-up run times."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.clock import BREAKOUTS, HEARTBEAT, MIN_PERIOD_S, worker_clock

EPSILON = 1e-6


def test_rooms_are_checked_every_second_and_presence_every_five() -> None:
    clock = worker_clock(100.0, tick_s=1.0, heartbeat_s=5.0)
    assert clock.sleep_s(100.0) == 1.0
    assert clock.due(100.5) == ()
    assert clock.due(101.0) == (BREAKOUTS,)
    assert clock.due(105.0) == (BREAKOUTS, HEARTBEAT)  # deadlines first: people notice them late


def test_a_slow_round_is_followed_by_a_rest_not_by_another_round() -> None:
    clock = worker_clock(0.0, tick_s=1.0, heartbeat_s=5.0).ran(BREAKOUTS, 3.5)  # a 2.5 s check under load
    assert clock.due(3.5) == ()
    assert clock.sleep_s(3.5) == 1.0


def test_a_mistyped_period_does_not_spin_the_loop() -> None:
    clock = worker_clock(0.0, tick_s=0.0, heartbeat_s=-5.0)
    assert clock.sleep_s(0.0) == MIN_PERIOD_S
    assert clock.ran(HEARTBEAT, 1.0).ran(BREAKOUTS, 1.0).sleep_s(1.0) == pytest.approx(MIN_PERIOD_S)


periods = st.floats(min_value=0.05, max_value=30.0, allow_nan=False)
run_times = st.lists(st.floats(min_value=0.0, max_value=3.0, allow_nan=False), min_size=1, max_size=200)


@given(tick_s=periods, heartbeat_s=periods, start=st.floats(min_value=0, max_value=1e6), durations=run_times)
def test_every_job_runs_on_time_however_long_the_runs_take(tick_s: float, heartbeat_s: float, start: float,
                                                           durations: list[float]) -> None:
    """Played like the worker's loop: the loop never wakes for nothing; no job runs sooner than
    its period after its last run ended, nor later than that plus one round of the others'
    work; and the deadlines run first whenever both are due."""
    clock = worker_clock(start, tick_s=tick_s, heartbeat_s=heartbeat_s)
    period = {BREAKOUTS: tick_s, HEARTBEAT: heartbeat_s}
    ended = {BREAKOUTS: start, HEARTBEAT: start}
    now, work = start, iter(durations)
    one_round = 2 * max(durations)
    for _ in range(len(durations)):
        sleep = clock.sleep_s(now)
        assert sleep >= 0
        now += sleep
        due = clock.due(now)
        assert due, "woke with nothing to do"
        assert list(due) == sorted(due, key=[BREAKOUTS, HEARTBEAT].index)
        for name in due:
            assert now >= ended[name] + period[name] - EPSILON
            assert now <= ended[name] + period[name] + one_round + EPSILON
            now += next(work, 0.0)
            clock = clock.ran(name, now)
            ended[name] = now
