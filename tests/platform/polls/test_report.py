"""Poll results are kept in the convening report: the page's Polls section and its CSV."""
from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from polls.models import Poll
from rooms.actions import polls as actions
from signaling.protocol.shapes import Person
from tests.platform.surveys.factories import make_convening, registered

pytestmark = pytest.mark.django_db


def test_the_report_shows_every_polls_results_overall_and_per_room() -> None:
    convening = make_convening()
    org = registered(convening, "org", "organizer", first="Olivia", last="Marsh")
    voters = [registered(convening, f"p{n}") for n in range(4)]
    asked = actions.ask(convening.pk, Person(participant_id=org.pk, name=org.name), "Which comes first?",
                        "multiple", ["Devices", "Coaching", "Family nights"], "plenary")
    for person, choices in zip(voters, ([0], [0, 2], [2], [0]), strict=True):
        actions.vote(convening.pk, person.pk, "plenary", asked.id, choices)
    actions.share(convening.pk, asked.id, True)
    actions.close(convening.pk, Person(participant_id=org.pk, name=org.name), asked.id)
    # A room poll (asked while rooms were open: the rooms' names are kept with it).
    rooms = Poll.objects.create(convening=convening, question="How ready are you?", kind="scale",
                                options=["1", "2", "3", "4", "5"], scope="rooms", asked_at=timezone.now(),
                                rooms={"r1": "Math", "r2": "Parent Engagement"})
    for person, space, choice in zip(voters, ("r1", "r1", "r2", "r2"), (4, 2, 3, 4), strict=True):
        actions.vote(convening.pk, person.pk, space, rooms.pk, [choice])

    browser = Client()
    browser.force_login(org.user)
    page = browser.get(reverse("reports:report", args=[convening.slug])).content.decode()
    polls = page[page.index("id=\"polls-title\""):]
    assert "Which comes first?" in polls and "4 voters" in polls and "shared with everyone" in polls
    assert "<td class=\"num\">3 (75%)</td>" in polls  # Devices: 3 of 4 voters
    assert "How ready are you?" in polls and "average <strong>4.3</strong> out of 5" in polls
    assert ">Math</th>" in polls and ">Parent Engagement</th>" in polls and "still open" in polls

    response = browser.get(reverse("reports:polls_csv", args=[convening.slug]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    devices = next(r for r in rows if r["Option"] == "Devices")
    assert (devices["Votes"], devices["Percent of voters"], devices["Voters"], devices["Where"]) == ("3", "75", "4", "All")
    math5 = next(r for r in rows if r["Where"] == "Math" and r["Option"] == "5")
    assert (math5["Votes"], math5["Voters"], math5["Average (1-5)"]) == ("1", "2", "4.0")
    assert len(rows) == 3 + 5 * 3  # options overall; a scale's five overall and in each of two rooms

    participant = Client()
    participant.force_login(voters[0].user)
    assert participant.get(reverse("reports:polls_csv", args=[convening.slug])).status_code in (302, 403)
