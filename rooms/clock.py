"""The breakout clock's timetable: which of a worker's periodic jobs are due at a given moment,
and how long to sleep until the next one. Pure (no I/O, no Django): ``signaling.worker`` keeps
one per event loop and only schedules what it says.

Rooms close on time with no client action because every worker checks the breakout deadlines
often (``BREAKOUTS``, every BREAKOUT_TICK_S, 1 s: a room closes within a second of its time),
and in the same loop vouches for its connections less often (``HEARTBEAT``, every
PRESENCE_HEARTBEAT_S): one loop per worker, no task per timer.

Times are the event loop's monotonic seconds. A period is the rest from the end of one run to the
start of the next: a round slowed by load (a join storm, a slow database) is never followed by
an immediate one, and the heartbeat's extra delay is its own run time (milliseconds), far inside
PRESENCE_TIMEOUT_S.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

BREAKOUTS = "breakouts"  # deadlines: countdowns start, rooms close, the next round opens; surveys due
HEARTBEAT = "heartbeat"  # presence: vouch for this worker's connections, sweep a dead worker's
MIN_PERIOD_S = 0.01  # a zero or negative period (a mistyped setting) must not spin the loop


@dataclass(frozen=True)
class Job:
    name: str
    period_s: float
    next_at: float


@dataclass(frozen=True)
class Clock:
    """Jobs in the order they run when due together (the deadlines first: they are what people
    notice when late)."""

    jobs: tuple[Job, ...]

    def due(self, now: float) -> tuple[str, ...]:
        """The jobs to run now, in order."""
        return tuple(job.name for job in self.jobs if job.next_at <= now)

    def sleep_s(self, now: float) -> float:
        """How long until the next job is due (0 if one is due now)."""
        return max(0.0, min((job.next_at for job in self.jobs), default=now) - now)

    def ran(self, name: str, finished: float) -> Clock:
        """``name`` finished a run at ``finished``: it is due again one period later."""
        return Clock(tuple(replace(job, next_at=finished + job.period_s) if job.name == name else job
                           for job in self.jobs))


def worker_clock(now: float, *, tick_s: float, heartbeat_s: float) -> Clock:
    """A worker's clock as its loop starts: the first deadline check after ``tick_s``, the first
    heartbeat after ``heartbeat_s`` (the connection that started the loop was just vouched for)."""
    tick_s, heartbeat_s = max(tick_s, MIN_PERIOD_S), max(heartbeat_s, MIN_PERIOD_S)
    return Clock((Job(BREAKOUTS, tick_s, now + tick_s), Job(HEARTBEAT, heartbeat_s, now + heartbeat_s)))
