from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from surveys.evaluation import evaluation_survey
from surveys.models import Survey
from surveys.prompts import newly_due, prompt_message, surveys_due
from surveys.submit import submit_response
from tests.platform.surveys.conftest import World
from tests.platform.surveys.factories import at, make_convening, make_person, make_session

MINUTE = dt.timedelta(minutes=1)


def test_session_survey_is_due_once_the_session_has_ended(world: World) -> None:
    assert surveys_due(world.alice, world.convening, world.session.ends_at - MINUTE) == []
    assert surveys_due(world.alice, world.convening, world.session.ends_at) == [world.survey]


def test_answered_surveys_are_no_longer_due(world: World) -> None:
    rating = world.survey.questions.get(order=1)
    submit_response(world.survey, world.alice, {rating.pk: 3}, timezone.now())
    later = world.session.ends_at + MINUTE
    assert surveys_due(world.alice, world.convening, later) == []
    assert surveys_due(world.bob, world.convening, later) == [world.survey]


def test_closed_surveys_are_not_due(world: World) -> None:
    closing = world.session.ends_at + 10 * MINUTE
    Survey.objects.filter(pk=world.survey.pk).update(closes_at=closing)
    assert surveys_due(world.alice, world.convening, closing - MINUTE) == [world.survey]
    assert surveys_due(world.alice, world.convening, closing) == []
    Survey.objects.filter(pk=world.survey.pk).update(closes_at=None, closed=True)
    assert surveys_due(world.alice, world.convening, closing) == []


def test_convening_survey_is_due_from_the_start_of_the_closing_session(world: World) -> None:
    closing = make_session(world.convening, 2, "14:00", "15:00", title="Closing plenary")
    survey = evaluation_survey(world.convening, anonymous=True)
    assert survey not in surveys_due(world.alice, world.convening, closing.starts_at - MINUTE)
    due = surveys_due(world.alice, world.convening, closing.starts_at)
    assert due == [world.survey, survey]  # earliest due first


def test_only_registered_participants_are_prompted(world: World) -> None:
    assert surveys_due(make_person("outsider"), world.convening, at("23:00")) == []


def test_prompt_message_shape(world: World) -> None:
    assert prompt_message(world.survey) == {
        "type": "survey.prompt", "survey_id": world.survey.pk, "title": "Evaluation: Opening plenary",
        "url": f"/c/{world.convening.slug}/surveys/{world.survey.pk}/"}


def test_the_workers_tick_asks_the_database_once_however_many_convenings(world: World) -> None:
    closing = make_session(world.convening, 2, "14:00", "15:00", title="Closing plenary")
    whole = evaluation_survey(world.convening)
    others = [make_convening(f"meeting-{n}") for n in range(3)]
    for convening in others:  # convening-level surveys with no sessions: due when the convening ends
        Survey.objects.create(convening=convening, title="Evaluation", closes_at=None)
    with CaptureQueriesContext(connection) as queries:
        due = newly_due(closing.starts_at)
    assert len(queries) == 1
    assert set(due) == {world.survey, whole}  # the others end at 16:00
    assert len(newly_due(at("16:00"))) == 5
