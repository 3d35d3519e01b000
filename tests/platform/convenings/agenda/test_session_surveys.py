"""The convening page's agenda leads people from each session to its evaluation survey."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from surveys.evaluation import evaluation_survey
from tests.platform.surveys.factories import make_convening, make_person, make_session, registered

pytestmark = pytest.mark.django_db


def agenda_item(html: str, session_pk: int) -> str:
    match = re.search(rf'<li class="agenda-item[^"]*" id="session-{session_pk}">(.*?)</li>\s*(?:<li|</ol>)', html, re.S)
    assert match, f"session {session_pk} not on the page"
    return match.group(1)


def test_each_session_links_to_its_own_survey() -> None:
    convening = make_convening()
    opening = make_session(convening, 1, "09:00", "10:00", title="Opening plenary")
    lunch = make_session(convening, 2, "12:00", "13:00", title="Lunch")
    survey = evaluation_survey(convening, opening)
    client = Client()
    client.force_login(registered(convening, "alice").user)
    html = client.get(convening.get_absolute_url()).content.decode()
    form = reverse("surveys:respond", args=[convening.slug, survey.pk])
    assert f'<a href="{form}">Evaluation: Opening plenary</a>' in agenda_item(html, opening.pk)
    assert "/surveys/" not in agenda_item(html, lunch.pk)


def test_staff_see_results_links_and_strangers_see_no_survey_links() -> None:
    convening = make_convening()
    opening = make_session(convening, 1, "09:00", "10:00", title="Opening plenary")
    survey = evaluation_survey(convening, opening)
    staff = Client()
    staff.force_login(make_person("helper", staff=True).user)
    html = staff.get(convening.get_absolute_url()).content.decode()
    assert reverse("surveys:results", args=[convening.slug, survey.pk]) in agenda_item(html, opening.pk)
    assert "/surveys/" not in agenda_item(Client().get(convening.get_absolute_url()).content.decode(), opening.pk)
