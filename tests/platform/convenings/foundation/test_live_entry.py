"""Entering the live page (no browser): the lobby's times, the waiting state before the doors
open, "has ended" afterwards, and site staff entering as organizers without registering."""
from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from convenings.demo import PHASES, seed
from convenings.models import Registration

pytestmark = pytest.mark.django_db
LIVE = "/c/statewide-leadership-academy/live/"


def config_of(html: str) -> dict:
    marker = '<script id="convene-config" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start:html.index("</script>", start)])


def participant(convening) -> Registration:  # noqa: ANN001
    return Registration.objects.filter(convening=convening, role="participant").first()


def test_before_the_doors_open_a_participant_waits_in_the_lobby(client: Client) -> None:
    demo = seed(at=PHASES["before"])  # 07:30 on the agenda; the academy starts at 08:00
    client.force_login(participant(demo.convening).participant.user)
    html = client.get(LIVE).content.decode()
    schedule = config_of(html)["schedule"]
    assert schedule["waits"] is True and schedule["phase"] == "before"
    assert schedule["time_zone"] == "America/Los_Angeles"
    assert f"The academy opens {schedule['starts']}" in html
    assert "You can test your camera now; this page lets you in when it opens" in html
    assert 'id="join-button" disabled' in html
    # The times: the academy's start and the first session's, in the academy's time zone.
    assert schedule["when_label"] == "Starts" and schedule["when"].startswith("at ")
    assert schedule["next_session"]["title"] == "Opening plenary: Successes in progress"
    assert schedule["next_session"]["on_now"] is False


@pytest.mark.parametrize("username", ["moderator1", "presenter1", "organizer"])
def test_the_people_who_run_it_may_enter_early(client: Client, username: str) -> None:
    seed(at=PHASES["before"])
    client.force_login(get_user_model().objects.get(username=username))
    html = client.get(LIVE).content.decode()
    assert config_of(html)["schedule"]["waits"] is False
    assert "Ready to join?" in html and 'id="join-button" disabled' not in html
    assert "You can enter early to set up" in html


def test_during_the_academy_the_lobby_names_the_session_on_now(client: Client, demo) -> None:  # noqa: ANN001
    client.force_login(participant(demo.convening).participant.user)
    html = client.get(LIVE).content.decode()
    schedule = config_of(html)["schedule"]
    assert schedule["waits"] is False and schedule["phase"] == "open" and schedule["when_label"] == "Started"
    assert schedule["next_session"]["on_now"] is True
    assert "On now" in html and "Ready to join?" in html


def test_after_the_end_people_may_come_in_and_are_told_it_ended(client: Client) -> None:
    demo = seed(at=PHASES["after"])
    client.force_login(participant(demo.convening).participant.user)
    html = client.get(LIVE).content.decode()
    assert config_of(html)["schedule"]["phase"] == "ended"
    assert "The academy has ended." in html and 'id="join-button" disabled' not in html


def test_site_staff_enter_as_organizer_without_registering(client: Client, demo) -> None:  # noqa: ANN001
    admin = get_user_model().objects.create_user("admin2", password="x", is_staff=True,
                                                 first_name="Ada", last_name="Admin")
    client.force_login(admin)
    response = client.get(LIVE)
    assert response.status_code == 200
    config = config_of(response.content.decode())
    assert config["you"]["role"] == "organizer" and config["can_run_breakouts"] is True
    registration = Registration.objects.get(convening=demo.convening, participant__user=admin)
    assert registration.role == "organizer"
    assert client.get(LIVE).status_code == 200  # again: the same registration
    assert Registration.objects.filter(convening=demo.convening, participant__user=admin).count() == 1


def test_people_who_are_not_staff_still_need_a_registration(client: Client, demo) -> None:  # noqa: ANN001
    client.force_login(get_user_model().objects.create_user("visitor", password="x"))
    assert client.get(LIVE).status_code == 403
    assert not Registration.objects.filter(participant__user__username="visitor").exists()
