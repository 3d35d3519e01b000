from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from action_items import services
from action_items.models import ActionItem
from rooms.attendance import attendance_opened
from rooms.models import Attendance
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
    response = client.post(reverse("admin:surveys_survey_changelist"),
                           {"action": "add_default_questions", "_selected_action": [blank.pk]})
    assert response.status_code == 302  # the action ran and went back to the list
    assert blank.questions.count() == 6


def test_responses_are_read_only_in_the_admin(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    response = client.get(reverse("admin:surveys_response_changelist"))
    assert response.status_code == 200
    assert "Add response" not in response.content.decode()
    assert client.get(reverse("admin:surveys_response_add")).status_code == 403


def test_anonymous_responses_show_no_times_and_are_not_listed_by_time(client: Client, demo) -> None:
    survey = Survey.objects.create(convening=demo.convening, title="Anonymous pulse check", anonymous=True)
    question = survey.questions.create(order=1, kind="rating", prompt="How was today?")
    people = [r.participant for r in demo.convening.registrations.filter(role="participant")[:4]]
    for person in people:
        submit_response(survey, person, {question.pk: 3}, timezone.now())
    # Give each response a telltale time, in the reverse of respondent-key order.
    by_key = list(Response.objects.filter(survey=survey).order_by("respondent_key"))
    for n, response in enumerate(reversed(by_key)):
        stamp = timezone.make_aware(dt.datetime(2031, 1, 2 + n, 3, 4))
        Response.objects.filter(pk=response.pk).update(submitted_at=stamp, updated_at=stamp)
    client.force_login(get_user_model().objects.get(username="organizer"))
    changelist = reverse("admin:surveys_response_changelist")
    key_order = [r.pk for r in by_key]
    for params in ({"survey__id__exact": survey.pk}, {"survey__id__exact": survey.pk, "o": "4"},
                   {"survey__id__exact": survey.pk, "o": "-5"}):  # also when sorted by a time column
        response = client.get(changelist, params)
        assert response.status_code == 200
        html = response.content.decode()
        assert "2031" not in html and "— (anonymous)" in html
        listed = [int(pk) for pk in re.findall(r"/admin/surveys/response/(\d+)/change/", html)]
        assert list(dict.fromkeys(listed)) == key_order, params
    detail = client.get(reverse("admin:surveys_response_change", args=[by_key[0].pk]))
    assert detail.status_code == 200
    assert "2031" not in detail.content.decode() and "How was today?" in detail.content.decode()


def test_named_responses_still_show_their_times(client: Client, demo) -> None:
    survey = Survey.objects.filter(convening=demo.convening, anonymous=False).first()
    Survey.objects.filter(pk=survey.pk).update(closes_at=None)
    person = demo.convening.registrations.filter(role="participant").first().participant
    saved = submit_response(survey, person, {survey.questions.first().pk: 4}, timezone.now()).response
    Response.objects.filter(pk=saved.pk).update(submitted_at=timezone.make_aware(dt.datetime(2031, 1, 2, 3, 4)))
    client.force_login(get_user_model().objects.get(username="organizer"))
    response = client.get(reverse("admin:surveys_response_changelist"), {"survey__id__exact": survey.pk})
    assert response.status_code == 200 and "2031" in response.content.decode()
