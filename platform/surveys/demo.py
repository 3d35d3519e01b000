"""Surveys for the demo academy: called at the end of ``convenings.demo.seed()``."""
from __future__ import annotations

from convenings.models import Convening, Session
from surveys.evaluation import GRACE, evaluation_survey
from surveys.models import Survey


def seed_demo_surveys(convening: Convening) -> list[Survey]:
    """An anonymous evaluation of the whole convening and a named one per plenary. Idempotent."""
    surveys = [evaluation_survey(convening, anonymous=True)]
    for session in convening.sessions.filter(kind=Session.Kind.PLENARY).order_by("order"):
        surveys.append(evaluation_survey(convening, session))
    # The demo academy moves to "today" on every seed; keep its surveys open with it.
    Survey.objects.filter(pk__in=[s.pk for s in surveys]).update(closes_at=convening.ends_at + GRACE)
    return surveys
