"""Every new page renders for the demo academy."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from action_items import services
from action_items.services import Owner
from rooms.attendance import attendance_opened
from surveys.models import Survey
from surveys.submit import submit_response

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_every_new_page_renders_for_the_demo(demo) -> None:
    c = demo.convening
    leader = c.registrations.filter(role="participant").select_related("participant").first().participant
    surveys = list(Survey.objects.filter(convening=c))
    q = surveys[0].questions.order_by("order")
    submit_response(surveys[0], leader, {q[0].pk: 5, q[1].pk: 4, q[4].pk: "More team planning time"}, timezone.now())
    services.add(Owner.of_team(c.pk, leader.team_id), "Plan a family technology night", leader)
    attendance_opened(c.pk, leader.pk, "plenary", c.starts_at)
    pages = {
        leader.user.username: [
            reverse("surveys:list", args=[c.slug]),
            *[s.get_absolute_url() for s in surveys],
            reverse("action_items:team", args=[c.slug, leader.team_id]),
            reverse("action_items:share_out", args=[c.slug]),
            reverse("action_items:share_out_json", args=[c.slug]),
            reverse("agenda_ics", args=[c.slug]),
            *[reverse("session_ics", args=[c.slug, s.pk]) for s in c.sessions.all()],
            c.get_absolute_url() + "?tz=Europe/Berlin",
        ],
        "organizer": [
            reverse("reports:report", args=[c.slug]),
            reverse("reports:attendance_csv", args=[c.slug]),
            reverse("reports:action_items_csv", args=[c.slug]),
            *[reverse("surveys:results", args=[c.slug, s.pk]) for s in surveys],
            *[reverse("surveys:responses_csv", args=[c.slug, s.pk]) for s in surveys],
            reverse("action_items:team", args=[c.slug, leader.team_id]),
        ],
    }
    for username, urls in pages.items():
        client = client_for(username)
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    report = client_for("moderator1").get(reverse("reports:report", args=[c.slug])).content.decode()
    assert "Plan a family technology night" in report and "Evaluation: Statewide Leadership Academy" in report
    assert report.count('class="report-section"') == 4
