from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model

from convenings.models import Convening, Registration
from people.models import Participant
from tests.platform.mail.smtp import SmtpServer
from tests.services import free_port

# A fixed clock for the pure and scheduling tests (tests pass ``now``; nothing reads the hour).
START = dt.datetime(2031, 3, 11, 16, 0, tzinfo=dt.UTC)


def use_smtp(settings, port: int, timeout: float = 3) -> None:  # noqa: ANN001
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:  # noqa: ANN001
    """A real SMTP server the site sends to (EMAIL_* settings point at it)."""
    server = SmtpServer(free_port()).start()
    use_smtp(settings, server.port)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Roster:
    convening: Convening
    by_name: dict[str, Registration] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Registration:
        return self.by_name[name]


PEOPLE = [  # username, convening role, email
    ("olivia", "organizer", "olivia@example.org"),
    ("jordan", "moderator", "jordan@example.org"),
    ("angela", "presenter", "angela@example.org"),
    ("maria", "participant", "maria@example.org"),
    ("james", "participant", "james@example.org"),
    ("noemail", "participant", ""),
]


def make_roster(start: dt.datetime = START, slug: str = "coast-roundtable") -> Roster:
    convening = Convening.objects.create(slug=slug, title="Coast Roundtable", kind=Convening.Kind.ROUNDTABLE,
                                         starts_at=start, ends_at=start + dt.timedelta(hours=4),
                                         time_zone="America/Los_Angeles")
    roster = Roster(convening)
    User = get_user_model()
    for username, role, address in PEOPLE:
        user = User.objects.create(username=f"{slug}-{username}", first_name=username.title(), email=address)
        person = Participant.objects.create(user=user, job_role="teacher")
        roster.by_name[username] = Registration.objects.create(convening=convening, participant=person, role=role)
    return roster


@pytest.fixture
def roster(db: None) -> Roster:
    return make_roster()
