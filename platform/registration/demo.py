"""Demo data: the academy open for registration, with a few people who registered themselves."""
from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model

from convenings.models import Convening, RegistrationMode
from people.models import District, Region
from registration.services import Person, Place, convening_topics, register

CAPACITY = 120  # above the academy's rostered participants, so the demo has places left
DOMAIN = "demo.convene.local"
TEAM = [  # a school not on the roster yet, registered by its principal
    Person("Rosa Delgado", f"rosa.delgado@{DOMAIN}", "principal", needs_captions=True),
    Person("Tom Whitfield", f"tom.whitfield@{DOMAIN}", "teacher"),
    Person("Grace Okafor", f"grace.okafor@{DOMAIN}", "coach", accessibility_other="Large-print handouts"),
]
SOLO = Person("Hannah Lindqvist", f"hannah.lindqvist@{DOMAIN}", "district_leader", needs_interpreter=True,
              accessibility_other="ASL interpreter for the plenaries")


def seed_demo_registration(convening: Convening) -> None:
    """Open the academy's registration and register a team of three and one district leader.

    Idempotent: people already registered are left alone (no second confirmation email).
    """
    Convening.objects.filter(pk=convening.pk).update(registration_mode=RegistrationMode.OPEN, capacity=CAPACITY)
    convening.refresh_from_db()
    User = get_user_model()
    known = set(User.objects.filter(
        email__in=[p.email for p in [*TEAM, SOLO]], participant__registrations__convening=convening)
        .values_list("email", flat=True))
    for number, person in enumerate([*TEAM, SOLO], start=1):
        # Usernames after the roster's "leader01…" (tests pick the first participants by username).
        if not User.objects.filter(email__iexact=person.email).exists():
            User.objects.create_user(f"registrant{number}", email=person.email, password=None)
    base_url = settings.SITE_URL + "/"
    # "Registered" a week before the academy, whatever phase of its day the demo is seeded at.
    now = convening.starts_at - dt.timedelta(days=7)
    topics = list(convening_topics(convening).values_list("pk", flat=True))
    region = Region.objects.filter(name="North Coast").first()
    if region and not known.intersection(p.email for p in TEAM):
        team = Place(new_school="Ocean View Elementary", district="Redwood Unified", region=region)
        team_people = [dataclasses.replace(p, on_team=True) for p in TEAM]
        register(convening, team_people, team, topics[:2], base_url=base_url, now=now,
                 registered_by=f"{TEAM[0].name} ({TEAM[0].email})")
    district = District.objects.filter(name="Fresno Unified").first()
    if district and SOLO.email not in known:
        register(convening, [SOLO], Place(district=district.name, region=district.region), topics[2:4],
                 base_url=base_url, now=now)
