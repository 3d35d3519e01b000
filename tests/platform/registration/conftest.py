from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from convenings.models import Convening, Registration, RegistrationMode, Session, Topic
from people.models import District, Participant, Region, School


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()  # the per-address registration counts
    yield
    cache.clear()


@pytest.fixture
def academy(db: None) -> Convening:
    """An open convening a week from now (relative to the clock: no test reads the hour), two
    sessions with three topics, and one school on the list."""
    start = (timezone.now() + dt.timedelta(days=7)).replace(microsecond=0)
    convening = Convening.objects.create(
        title="Spring Leadership Academy", slug="spring-academy", kind=Convening.Kind.ACADEMY,
        time_zone="America/Los_Angeles", starts_at=start, ends_at=start + dt.timedelta(hours=6),
        registration_mode=RegistrationMode.OPEN, capacity=3)
    coaching = Topic.objects.create(kind=Topic.Kind.CORE_COMPONENT, name="Coaching cycles")
    data = Topic.objects.create(kind=Topic.Kind.CORE_COMPONENT, name="Using data")
    roles = Topic.objects.create(kind=Topic.Kind.ROLE, name="Principals")
    Topic.objects.create(kind=Topic.Kind.CORE_COMPONENT, name="Not on this agenda")
    opening = Session.objects.create(convening=convening, title="Opening plenary", kind=Session.Kind.PLENARY,
                                     order=1, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    opening.topics.set([coaching, data])
    breakout = Session.objects.create(convening=convening, title="Breakouts by role", kind=Session.Kind.BREAKOUT,
                                      order=2, starts_at=start + dt.timedelta(hours=1),
                                      ends_at=start + dt.timedelta(hours=2))
    breakout.topics.set([roles])
    region = Region.objects.create(name="North Coast")
    Region.objects.create(name="Bay Area")
    district = District.objects.create(name="Redwood Unified", region=region)
    School.objects.create(name="Cedar Elementary", district=district)
    return convening


@pytest.fixture
def organizer(academy: Convening) -> Participant:
    user = get_user_model().objects.create_user("olga", email="olga@district.org", password="pw",
                                                first_name="Olga", last_name="Organizer")
    participant = Participant.objects.create(user=user, job_role="district_leader")
    Registration.objects.create(convening=academy, participant=participant, role=Registration.Role.ORGANIZER)
    return participant
