"""Survey prompts over the live connection (the surveys app decides what is due)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rooms.actions.publish import convening_group, publish
from signaling.protocol.surveys import SurveyPrompt
from surveys.models import Survey
from surveys.prompts import newly_due, surveys_due_each


def _prompt(survey: Survey) -> SurveyPrompt:
    return SurveyPrompt(survey_id=survey.pk, title=survey.title, url=survey.get_absolute_url())


def prompts_for_each(convening_id: int, participant_ids: list[int]) -> dict[int, list[SurveyPrompt]]:
    """What to ask each person who has just connected (so admitted: registered): due surveys
    they have not answered. People arriving together cost two queries, not two each."""
    due = surveys_due_each(participant_ids, convening_id, timezone.now())
    return {pid: [_prompt(survey) for survey in surveys] for pid, surveys in due.items()}


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
