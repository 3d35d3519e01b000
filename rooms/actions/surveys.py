"""Survey prompts over the live connection (the surveys app decides what is due)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from convenings.models import Convening
from people.models import Participant
from rooms.actions.publish import convening_group, publish
from signaling.protocol.surveys import SurveyPrompt
from surveys.models import Survey
from surveys.prompts import newly_due, surveys_due


def _prompt(survey: Survey) -> SurveyPrompt:
    return SurveyPrompt(survey_id=survey.pk, title=survey.title, url=survey.get_absolute_url())


def prompts_for(convening_id: int, participant_id: int) -> list[SurveyPrompt]:
    """What to ask a person who has just connected (so admitted: registered): due surveys they
    have not answered."""
    # Only their keys are read (filters, the respondent key): three queries fewer on each join.
    convening, participant = Convening(pk=convening_id), Participant(pk=participant_id)
    return [_prompt(survey) for survey in surveys_due(participant, convening, timezone.now(), registered=True)]


def prompt_newly_due() -> int:
    """Tell each convening about surveys that just became due. Runs on every worker's tick;
    the conditional update lets exactly one worker publish each prompt."""
    sent = 0
    for survey in newly_due(timezone.now()):
        with transaction.atomic():
            if not Survey.objects.filter(pk=survey.pk, prompted_at__isnull=True).update(prompted_at=timezone.now()):
                continue  # another worker got there first
            publish(convening_group(survey.convening_id), _prompt(survey))
            sent += 1
    return sent
