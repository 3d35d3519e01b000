from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from convenings.models import Convening, Material, Registration, Session, Topic
from people.models import District, Participant, Region, School, SchoolLeadershipTeam

pytestmark = pytest.mark.django_db

MODELS = [Convening, Session, Material, Registration, Topic, Region, District, School,
          SchoolLeadershipTeam, Participant, get_user_model()]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_demo_matches_the_brief(demo) -> None:
    c = demo.convening
    assert c.title == "Statewide Leadership Academy"
    assert Region.objects.count() == 4
    assert District.objects.count() == 12
    assert School.objects.count() == 24
    roles = {role: c.registrations.filter(role=role).count() for role in Registration.Role.values}
    assert roles == {"organizer": 1, "moderator": 3, "presenter": 4, "participant": 72}
    kinds = list(c.sessions.order_by("order").values_list("kind", flat=True))
    assert kinds == ["plenary", "breakout", "breakout", "team_planning", "plenary"]
    roundtable = c.sessions.get(order=3)
    assert set(roundtable.topics.values_list("name", flat=True)) == {"Coaches", "Technicians", "Administrators"}
    assert "Successes in progress" in c.sessions.get(order=1).title


def test_demo_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "/join/" in out and "organizer" in out and "convene-demo" in out
