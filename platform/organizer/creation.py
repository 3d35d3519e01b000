"""Creating a convening from its kind's defaults (organizer.defaults), in one transaction."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from convenings.models import Convening, Registration, Session, Topic
from organizer.defaults import REGION, STARTER_TOPICS, defaults_for
from organizer.models import ConveningSetup
from people.models import JobRole, Participant, Region
from surveys.evaluation import evaluation_survey


def topics_of_kind(kind: str) -> list[Topic]:
    """Every topic of this kind, creating the starter ones (or the regions) when there are none."""
    existing = list(Topic.objects.filter(kind=kind).order_by("name"))
    if existing:
        return existing
    names = list(Region.objects.values_list("name", flat=True)) if kind == REGION else list(STARTER_TOPICS[kind])
    return [Topic.objects.get_or_create(kind=kind, name=name)[0] for name in names]


def participant_for(user: AbstractBaseUser) -> Participant:
    """The creator's participant profile (staff created in the admin may have none yet)."""
    participant = Participant.objects.filter(user=user).first()
    return participant or Participant.objects.create(user=user, job_role=JobRole.ADMINISTRATOR)


@transaction.atomic
def create_convening(*, kind: str, title: str, slug: str, time_zone: str, starts_at: dt.datetime,
                     creator: AbstractBaseUser) -> Convening:
    """The convening with its kind's agenda skeleton, breakout topics, evaluation survey and
    breakout strategy; the creator is registered as its organizer."""
    plan = defaults_for(kind, starts_at)
    convening = Convening.objects.create(title=title, slug=slug, kind=kind, time_zone=time_zone,
                                         description=plan.description, starts_at=plan.starts_at,
                                         ends_at=plan.ends_at)
    for item in plan.sessions:
        session = Session.objects.create(convening=convening, order=item.order, title=item.title, kind=item.kind,
                                         description=item.description, starts_at=item.starts_at,
                                         ends_at=item.ends_at)
        if item.topic_kind:
            session.topics.set(topics_of_kind(item.topic_kind))
    ConveningSetup.objects.create(convening=convening, breakout_strategy=plan.breakout_strategy, created_by=creator)
    Registration.objects.create(convening=convening, participant=participant_for(creator),
                                role=Registration.Role.ORGANIZER)
    if plan.evaluation_survey:
        evaluation_survey(convening)
    return convening
