from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from convenings.demo import seed
from surveys.models import Question, Response, Survey

pytestmark = pytest.mark.django_db


def test_demo_has_a_convening_evaluation_and_one_per_plenary(demo) -> None:
    surveys = Survey.objects.filter(convening=demo.convening)
    convening_survey = surveys.get(session__isnull=True)
    assert convening_survey.anonymous
    plenaries = set(demo.convening.sessions.filter(kind="plenary").values_list("pk", flat=True))
    assert set(surveys.filter(session__isnull=False).values_list("session", flat=True)) == plenaries
    assert surveys.count() == 1 + len(plenaries)
    for survey in surveys:
        assert list(survey.questions.values_list("kind", flat=True)) == [
            "rating", "rating", "text", "text", "choice", "text"]
        assert survey.closes_at > demo.convening.ends_at


def test_seeding_again_changes_nothing(demo) -> None:
    counts = (Survey.objects.count(), Question.objects.count())
    seed()
    assert (Survey.objects.count(), Question.objects.count()) == counts


def test_a_demo_participant_can_answer_from_the_surveys_page(client: Client, demo) -> None:
    slug = demo.convening.slug
    client.force_login(get_user_model().objects.get(username="leader01"))
    listing = client.get(reverse("surveys:list", args=[slug])).content.decode()
    survey = Survey.objects.get(convening=demo.convening, session__isnull=True)
    assert "Evaluation: Statewide Leadership Academy" in listing and "Answer now" in listing
    q = {q.order: q for q in survey.questions.all()}
    response = client.post(survey.get_absolute_url(), {f"q{q[1].pk}": "5", f"q{q[2].pk}": "4",
                                                      f"q{q[5].pk}": "More breakout sessions"})
    assert response.status_code == 302
    assert Response.objects.filter(survey=survey).count() == 1
    listing = client.get(reverse("surveys:list", args=[slug])).content.decode()
    assert "Answered" in listing
