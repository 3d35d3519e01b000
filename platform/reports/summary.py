"""Attendance numbers for the report: minutes present per person and per session."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from convenings.models import Convening, Session
from people.models import Participant
from reports import intervals
from reports.intervals import Interval


class Attendance(Protocol):
    """What a report reads of an attendance row. The rows are rooms' live state
    (rooms.models.Attendance), read through ``convening.attendance``: certificates build on this
    module, and platform apps never import rooms."""

    participant_id: int
    space: str
    joined_at: dt.datetime
    left_at: dt.datetime | None


@dataclass(frozen=True)
class PersonAttendance:
    participant: Participant
    role: str
    minutes: int
    first_joined: dt.datetime | None = None
    last_left: dt.datetime | None = None  # None: never joined, or still there
    still_present: bool = False
    spaces: list[str] = field(default_factory=list)

    @property
    def joined(self) -> bool:
        return self.first_joined is not None


@dataclass(frozen=True)
class SessionAttendance:
    session: Session
    present: list[tuple[str, int]]  # (name, minutes within the session), most minutes first


@dataclass(frozen=True)
class AttendanceSummary:
    people: list[PersonAttendance]
    sessions: list[SessionAttendance]

    @property
    def joined(self) -> list[PersonAttendance]:
        return [p for p in self.people if p.joined]

    @property
    def not_joined(self) -> list[PersonAttendance]:
        return [p for p in self.people if not p.joined]


def row_interval(row: Attendance, cap: dt.datetime) -> Interval:
    """An open row (the person is still there, or a close never arrived) counts up to ``cap``."""
    end = row.left_at if row.left_at is not None else max(row.joined_at, cap)
    return row.joined_at, end


def attendance_summary(convening: Convening, now: dt.datetime) -> AttendanceSummary:
    cap = min(now, convening.ends_at)
    rows_by_person: dict[int, list[Attendance]] = {}
    for row in convening.attendance.order_by("joined_at"):
        rows_by_person.setdefault(row.participant_id, []).append(row)
    registrations = list(convening.registrations
                         .select_related("participant__user", "participant__school", "participant__team")
                         .order_by("participant__user__last_name", "participant__user__first_name"))
    people = [_person(r.participant, r.get_role_display(), rows_by_person.get(r.participant_id, []), cap)
              for r in registrations]
    # Staff can enter without a registration; their presence still counts.
    unregistered = set(rows_by_person) - {r.participant_id for r in registrations}
    people += [_person(p, "Not registered", rows_by_person[p.pk], cap)
               for p in Participant.objects.filter(pk__in=unregistered).select_related("user", "school", "team")]
    spans = {p.participant.pk: [row_interval(r, cap) for r in rows_by_person.get(p.participant.pk, [])]
             for p in people}
    sessions = [_session(s, people, spans) for s in convening.sessions.order_by("order", "starts_at")]
    return AttendanceSummary(people, sessions)


def _person(participant: Participant, role: str, rows: list[Attendance], cap: dt.datetime) -> PersonAttendance:
    if not rows:
        return PersonAttendance(participant, role, 0)
    open_now = any(r.left_at is None for r in rows)
    spans = [row_interval(r, cap) for r in rows]
    return PersonAttendance(
        participant, role, intervals.minutes(intervals.total(spans)),
        first_joined=min(r.joined_at for r in rows),
        last_left=None if open_now else max(r.left_at for r in rows if r.left_at),
        still_present=open_now, spaces=_distinct(r.space for r in rows),
    )


def _session(session: Session, people: list[PersonAttendance],
             spans: dict[int, list[Interval]]) -> SessionAttendance:
    window = (session.starts_at, session.ends_at)
    present = []
    for person in people:
        inside = intervals.total(intervals.clip(spans[person.participant.pk], window))
        if inside:
            present.append((person.participant.name, intervals.minutes(inside)))
    return SessionAttendance(session, sorted(present, key=lambda p: (-p[1], p[0])))


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
