"""The demo academy shows one issued certificate, meaningful whatever phase it is seeded in."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from certificates.models import Certificate
from convenings.demo import PHASES, seed
from rooms.models import Attendance

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 4, 18, 5, tzinfo=dt.UTC)  # on the 5 minutes the agenda clock rounds to


@pytest.mark.parametrize(("phase", "credited"), [("session", 15), ("after", 60)])
def test_the_demo_issues_one_certificate_for_what_was_attended(phase: str, credited: int) -> None:
    summary = seed(now=NOW, at=PHASES[phase])
    [certificate] = Certificate.objects.all()
    assert certificate.participant.user.username == "leader01"
    assert [s["title"] for s in certificate.snapshot["sessions"]] == ["Opening plenary: Successes in progress"]
    assert certificate.snapshot["total_minutes"] == credited
    assert certificate.issued_at == NOW
    assert not Attendance.objects.filter(joined_at__gt=NOW).exists()  # nobody attended the future
    page = Client().get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert summary.convening.title in page and "Statewide Leadership Network" in page


def test_seeding_again_keeps_one_certificate_and_no_stale_rows() -> None:
    seed(now=NOW, at=PHASES["after"])
    rows = Attendance.objects.count()
    seed(now=NOW + dt.timedelta(days=1), at=PHASES["after"])
    assert Certificate.objects.count() == 1 and Attendance.objects.count() == rows
