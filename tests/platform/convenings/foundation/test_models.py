from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from convenings.models import Convening, Material, Registration, Session
from people.models import Participant

pytestmark = pytest.mark.django_db


def test_one_registration_per_person_per_convening(demo) -> None:
    existing = demo.convening.registrations.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(convening=demo.convening, participant=existing.participant,
                                    role=Registration.Role.MODERATOR)


def test_convening_must_end_after_it_starts() -> None:
    now = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        Convening.objects.create(title="Backwards", slug="backwards", kind="academy",
                                 starts_at=now, ends_at=now - dt.timedelta(hours=1))


def test_session_outside_its_convening_is_rejected(demo) -> None:
    c = demo.convening
    with pytest.raises(ValidationError, match="within its convening"):
        Session.objects.create(convening=c, title="Late", kind="plenary", order=99,
                               starts_at=c.ends_at, ends_at=c.ends_at + dt.timedelta(hours=1))
    assert not c.sessions.filter(order=99).exists()


def test_convening_dates_cannot_move_away_from_its_sessions(demo) -> None:
    c = Convening.objects.get(pk=demo.convening.pk)
    last = c.sessions.order_by("-ends_at").first()
    c.ends_at = last.ends_at - dt.timedelta(minutes=30)  # the closing plenary would end after the convening
    with pytest.raises(ValidationError, match="would fall outside the new dates") as caught:
        c.full_clean()
    assert last.title in str(caught.value)
    c.ends_at = last.ends_at + dt.timedelta(hours=2)  # widening is fine
    c.full_clean()


def test_session_must_end_after_it_starts(demo) -> None:
    c = demo.convening
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.bulk_create([Session(convening=c, title="Zero", kind="plenary", order=98,
                                             starts_at=c.starts_at, ends_at=c.starts_at)])


def test_material_needs_a_link_or_a_file(demo) -> None:
    session = demo.convening.sessions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Material.objects.create(session=session, title="Nothing attached")


def test_demo_people_have_schools_teams_regions_and_interests(demo) -> None:
    leaders = Participant.objects.filter(registrations__role="participant")
    assert leaders.count() == 72 + 4  # rostered, and self-registered (registration.demo)
    sample = leaders.select_related("school__district__region", "team").first()
    assert sample.team.school == sample.school
    assert sample.region is not None
    assert sample.interests.count() >= 3
