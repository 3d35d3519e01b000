from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

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
    assert School.objects.count() == 24 + 1  # the roster's, and one a team typed in when registering
    roles = {role: c.registrations.filter(role=role).count() for role in Registration.Role.values}
    # 72 rostered and 4 who registered themselves (registration.demo)
    assert roles == {"organizer": 1, "moderator": 3, "presenter": 4, "participant": 72 + 4}
    kinds = list(c.sessions.order_by("order").values_list("kind", flat=True))
    assert kinds == ["plenary", "breakout", "breakout", "team_planning", "plenary"]
    roundtable = c.sessions.get(order=3)
    assert set(roundtable.topics.values_list("name", flat=True)) == {"Coaches", "Technicians", "Administrators"}
    assert "Successes in progress" in c.sessions.get(order=1).title


def test_demo_is_idempotent(capsys: pytest.CaptureFixture[str], settings) -> None:
    settings.DEBUG = True
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    out = capsys.readouterr().out
    assert "/join/" in out and "organizer" in out and "convene-demo" in out


def test_demo_printed_join_links_sign_people_in(capsys: pytest.CaptureFixture[str], settings, client) -> None:
    settings.DEBUG = True
    call_command("demo", "--base-url", "http://demo.test")
    call_command("demo", "--base-url", "http://demo.test")  # a second run leaves the first run's links working
    paths = [line.split("http://demo.test", 1)[1] for line in capsys.readouterr().out.splitlines()
             if "http://demo.test/join/" in line]
    assert len(paths) == 6
    for path in paths:
        assert client.get(path).status_code == 200  # the link page: "Join as …"
        assert client.post(path).status_code == 302  # its button signs in


def test_demo_refuses_to_run_with_debug_off_unless_forced(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("demo")
    assert not get_user_model().objects.filter(username="organizer").exists()
    call_command("demo", "--force")
    assert get_user_model().objects.get(username="organizer").is_superuser
