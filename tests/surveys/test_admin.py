from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from action_items import services
from action_items.models import ActionItem
from reports.attendance import attendance_opened
from reports.models import Attendance
from surveys.models import Response, Survey
from surveys.submit import submit_response

pytestmark = pytest.mark.django_db


def test_every_new_admin_page_renders(client: Client, demo) -> None:
    c = demo.convening
    survey = Survey.objects.filter(convening=c).first()
    participant = c.registrations.filter(role="participant").first().participant
    Survey.objects.filter(pk=survey.pk).update(closes_at=None)
    submit_response(survey, participant, {survey.questions.first().pk: 4}, timezone.now())
    services.add(services.Owner.of_team(c.pk, participant.team_id), "Launch a parent tech night", participant)
    attendance_opened(c.pk, participant.pk, "plenary", c.starts_at)
    client.force_login(get_user_model().objects.get(username="organizer"))
    for model in (Survey, Response, ActionItem, Attendance):
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[model.objects.first().pk])
        assert client.get(change).status_code == 200, change
    survey_page = client.get(reverse("admin:surveys_survey_change", args=[survey.pk])).content.decode()
    assert "How would you rate the presentation?" in survey_page  # questions are an inline
    assert client.get(reverse("admin:action_items_actionitem_changelist"), {"owner": "team"}).status_code == 200


def test_admin_action_adds_the_default_questions(client: Client, demo) -> None:
    blank = Survey.objects.create(convening=demo.convening, title="Day two check-in")
    client.force_login(get_user_model().objects.get(username="organizer"))
    client.post(reverse("admin:surveys_survey_changelist"),
                {"action": "add_default_questions", "_selected_action": [blank.pk]})
    assert blank.questions.count() == 6


def test_responses_are_read_only_in_the_admin(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    assert "Add response" not in client.get(reverse("admin:surveys_response_changelist")).content.decode()
