from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from convenings.models import Convening, Session
from organizer.creation import create_convening
from people.models import Participant, Region
from tests.platform.surveys.factories import make_convening, make_person, register, registered


@dataclass
class World:
    convening: Convening
    other: Convening
    session: Session
    organizer: Participant
    other_organizer: Participant
    moderator: Participant
    participant: Participant
    superuser: object

    def client_for(self, who: str) -> Client:
        client = Client()
        users = {"organizer": self.organizer.user, "other_organizer": self.other_organizer.user,
                 "moderator": self.moderator.user, "participant": self.participant.user,
                 "superuser": self.superuser}
        if who != "anonymous":
            client.force_login(users[who])
        return client


@pytest.fixture
def world(db: None, tmp_path: object, settings: object) -> World:
    settings.MEDIA_ROOT = tmp_path  # uploaded materials land in the test's own folder
    Region.objects.create(name="North Coast")
    Region.objects.create(name="Central Valley")
    staff = get_user_model().objects.create_user("olivia", password="pw", is_staff=True, email="olivia@example.org",
                                                 first_name="Olivia", last_name="Marsh")
    convening = create_convening(kind="regional", title="Fall Regional Meeting", slug="fall-regional",
                                 time_zone="America/Los_Angeles",
                                 starts_at=dt.datetime(2026, 10, 14, 9, 0,
                                                       tzinfo=__import__("zoneinfo").ZoneInfo("America/Los_Angeles")),
                                 creator=staff)
    organizer = staff.participant
    other = make_convening(slug="other-meeting")
    other_organizer = registered(other, "otherorg", "organizer")
    moderator = registered(convening, "mod", "moderator")
    participant = registered(convening, "alice")
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    session = convening.sessions.order_by("order").first()
    return World(convening, other, session, organizer, other_organizer, moderator, participant, superuser)


__all__ = ["World", "make_person", "register"]
