"""Evaluation surveys reach people in the live client when their session ends."""
from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from convenings.models import Session
from rooms.actions import surveys as survey_actions
from surveys.identity import respondent_key
from surveys.models import Response, Survey
from tests.signaling.consumers.conftest import Connect
from tests.signaling.consumers.factories import SmallConvening

pytestmark = pytest.mark.asyncio


@database_sync_to_async
def _session_survey(small: SmallConvening, *, ended: bool) -> Survey:
    now = timezone.now()
    convening = small.convening
    convening.starts_at, convening.ends_at = now - dt.timedelta(hours=3), now + dt.timedelta(hours=3)
    convening.save()
    end = now - dt.timedelta(minutes=1) if ended else now + dt.timedelta(hours=1)
    session = Session.objects.create(convening=convening, title="Opening plenary", kind="plenary", order=50,
                                     starts_at=now - dt.timedelta(hours=1), ends_at=end)
    return Survey.objects.create(convening=convening, session=session, title="Opening plenary — evaluation")


async def test_connecting_after_the_session_ended_prompts_the_survey(connect: Connect, small: SmallConvening) -> None:
    survey = await _session_survey(small, ended=True)
    maria = await connect("maria")
    prompt = await maria.expect("survey.prompt")
    assert prompt == {"type": "survey.prompt", "survey_id": survey.pk, "title": "Opening plenary — evaluation",
                      "url": f"/c/{small.convening.slug}/surveys/{survey.pk}/"}


async def test_no_prompt_before_the_session_ends_or_once_answered(connect: Connect, small: SmallConvening) -> None:
    survey = await _session_survey(small, ended=False)
    maria = await connect("maria")
    await maria.barrier()
    assert not maria.take("survey.prompt")
    await database_sync_to_async(Session.objects.filter(pk=survey.session_id).update)(
        ends_at=timezone.now() - dt.timedelta(seconds=1))
    await database_sync_to_async(Response.objects.create)(
        survey=survey, respondent_key=respondent_key(survey.pk, small.pid("maria")), participant_id=small.pid("maria"))
    again = await connect("maria")
    await again.barrier()
    assert not again.take("survey.prompt")


async def test_everyone_connected_is_prompted_once_when_the_session_ends(connect: Connect, small: SmallConvening) -> None:
    survey = await _session_survey(small, ended=False)
    maria, james = await connect("maria"), await connect("james")
    await database_sync_to_async(Session.objects.filter(pk=survey.session_id).update)(
        ends_at=timezone.now() - dt.timedelta(seconds=1))
    assert await database_sync_to_async(survey_actions.prompt_newly_due)() == 1
    assert await database_sync_to_async(survey_actions.prompt_newly_due)() == 0  # once, whichever worker ticks
    for client in (maria, james):
        assert (await client.expect("survey.prompt"))["survey_id"] == survey.pk
