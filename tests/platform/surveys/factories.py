"""Small, explicit fixtures for surveys, action items, reports and agenda tests.

A fixed date (Wednesday 4 March 2026, before US daylight saving time starts) keeps the
time-zone arithmetic in assertions checkable by hand.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth import get_user_model

from convenings.models import Convening, Registration, Session
from people.models import District, Participant, Region, School, SchoolLeadershipTeam

DAY = dt.date(2026, 3, 4)
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def at(hhmm: str, tz: zoneinfo.ZoneInfo = LA, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tz)


def make_convening(slug: str = "regional-meeting", day: dt.date = DAY, tz: str = "America/Los_Angeles") -> Convening:
    zone = zoneinfo.ZoneInfo(tz)
    return Convening.objects.create(title="Regional Collaborative Meeting", slug=slug, kind="regional",
                                    time_zone=tz, starts_at=at("08:00", zone, day), ends_at=at("16:00", zone, day))


def make_session(convening: Convening, order: int, start: str, end: str, kind: str = "plenary",
                 title: str | None = None) -> Session:
    tz, day = convening.tz, convening.starts_at.astimezone(convening.tz).date()
    return Session.objects.create(convening=convening, order=order, kind=kind, title=title or f"Session {order}",
                                  starts_at=at(start, tz, day), ends_at=at(end, tz, day))


def make_team(name: str = "Cedar Elementary") -> SchoolLeadershipTeam:
    region, _ = Region.objects.get_or_create(name="North Coast")
    district, _ = District.objects.get_or_create(region=region, name="Redwood Unified")
    school, _ = School.objects.get_or_create(district=district, name=name)
    team, _ = SchoolLeadershipTeam.objects.get_or_create(school=school, name=f"{name} Leadership Team")
    return team


def make_person(username: str, *, team: SchoolLeadershipTeam | None = None, staff: bool = False,
                first: str | None = None, last: str = "Tester") -> Participant:
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=staff,
                                                first_name=first or username.title(), last_name=last,
                                                email=f"{username}@example.org")
    return Participant.objects.create(user=user, job_role="teacher", team=team,
                                      school=team.school if team else None)


def register(convening: Convening, participant: Participant, role: str = "participant") -> Registration:
    return Registration.objects.create(convening=convening, participant=participant, role=role)


def registered(convening: Convening, username: str, role: str = "participant", **kwargs: object) -> Participant:
    person = make_person(username, **kwargs)  # type: ignore[arg-type]
    register(convening, person, role)
    return person
