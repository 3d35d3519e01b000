"""A small convening for live tests: quicker to create than the demo academy."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from convenings import joinlinks
from convenings.models import Convening, Registration
from people.models import District, Participant, Region, School

SLUG = "north-coast-roundtable"


@dataclass
class SmallConvening:
    convening: Convening
    other: Convening
    by_name: dict[str, Registration] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # issued up front: tests are async
    # Moderators and organizers get no join link: they connect with a password session's cookie.
    cookies: dict[str, bytes] = field(default_factory=dict)
    outsider: Participant | None = None  # registered for ``other`` only

    def __getitem__(self, name: str) -> Registration:
        return self.by_name[name]

    def token(self, name: str) -> str:
        return self.tokens[name]

    def headers(self, name: str) -> list[tuple[bytes, bytes]] | None:
        """The websocket handshake headers of someone who signs in with a password."""
        return [(b"cookie", self.cookies[name])] if name in self.cookies else None

    def pid(self, name: str) -> int:
        return self.by_name[name].participant_id


PEOPLE = [  # username, first, last, job role, convening role
    ("olivia", "Olivia", "Marsh", "district_leader", "organizer"),
    ("jordan", "Jordan", "Ellis", "district_leader", "moderator"),
    ("angela", "Angela", "Whitfield", "coach", "presenter"),
    ("maria", "Maria", "Garcia", "principal", "participant"),
    ("james", "James", "Nguyen", "teacher", "participant"),
    ("aisha", "Aisha", "Johnson", "technician", "participant"),
]


def _convening(slug: str, title: str) -> Convening:
    start = timezone.now() - dt.timedelta(hours=1)
    return Convening.objects.create(slug=slug, title=title, kind=Convening.Kind.ROUNDTABLE,
                                    starts_at=start, ends_at=start + dt.timedelta(hours=4))


def small_convening() -> SmallConvening:
    region = Region.objects.create(name="North Coast")
    district = District.objects.create(name="Redwood Unified", region=region)
    school = School.objects.create(name="Cedar Elementary", district=district)
    small = SmallConvening(_convening(SLUG, "North Coast Roundtable"), _convening("other-meeting", "Other"))
    User = get_user_model()
    for username, first, last, job_role, role in PEOPLE:
        user = User.objects.create(username=username, first_name=first, last_name=last)
        person = Participant.objects.create(user=user, job_role=job_role, school=school)
        small.by_name[username] = Registration.objects.create(convening=small.convening, participant=person,
                                                              role=role)
    outsider = Participant.objects.create(user=User.objects.create(username="outsider", first_name="Otto"),
                                          job_role="teacher")
    small.by_name["outsider"] = Registration.objects.create(convening=small.other, participant=outsider)
    small.outsider = outsider
    for name, registration in small.by_name.items():
        if joinlinks.why_not_issued(registration):
            small.cookies[name] = password_session(registration)
        else:
            small.tokens[name] = joinlinks.issue(registration).token
    return small


def password_session(registration: Registration) -> bytes:
    """A session cookie as signing in with a password gives (what moderators do)."""
    browser = Client()
    browser.force_login(registration.participant.user)
    return f"sessionid={browser.cookies['sessionid'].value}".encode()
