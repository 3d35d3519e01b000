from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import Answer, Question, Response, Survey
from surveys.submit import submit_response
from tests.platform.surveys.conftest import World
from tests.platform.surveys.factories import make_convening, make_session


def test_anonymity_cannot_change_once_people_responded(world: World) -> None:
    world.survey.anonymous = True
    world.survey.full_clean()  # fine while nobody has answered
    rating = world.survey.questions.get(order=1)
    submit_response(world.survey, world.alice, {rating.pk: 4}, timezone.now())
    with pytest.raises(ValidationError, match="Anonymity cannot change"):
        world.survey.full_clean()


def test_survey_session_must_belong_to_its_convening(world: World) -> None:
    other = make_convening(slug="elsewhere")
    survey = Survey(convening=world.convening, session=make_session(other, 1, "09:00", "10:00"), title="Mixed")
    with pytest.raises(ValidationError, match="session of this survey"):
        survey.full_clean()


def test_single_choice_needs_options(world: World) -> None:
    question = Question(survey=world.survey, order=99, kind="choice", prompt="Pick", options="Only one")
    with pytest.raises(ValidationError, match="at least two options"):
        question.full_clean()


def test_database_allows_one_response_per_respondent(world: World) -> None:
    Response.objects.create(survey=world.survey, respondent_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=world.survey, respondent_key="k")


def test_database_rejects_ratings_outside_1_to_5(world: World) -> None:
    response = Response.objects.create(survey=world.survey, respondent_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=world.survey.questions.get(order=1), rating=6)


def test_convening_survey_titles_are_unique(world: World) -> None:
    Survey.objects.create(convening=world.convening, title="Day one")
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(convening=world.convening, title="Day one")
