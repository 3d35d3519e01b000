"""A breakout session for the small convening of tests/signaling/consumers (two topics, three participants)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.test import Client

from convenings.models import Session, Topic
from tests.signaling.consumers.factories import SmallConvening

PARENT, LEARNING = "Parent Engagement", "Professional Learning"
# Who wants what, first choice first: two people for Parent Engagement, one for Professional Learning.
INTERESTS = {"maria": [PARENT, LEARNING], "james": [LEARNING, PARENT], "aisha": [PARENT]}


@dataclass
class BreakoutSession:
    small: SmallConvening
    session: Session
    topics: dict[str, Topic]

    @property
    def id(self) -> int:
        return self.session.pk

    def room_of_topic(self, name: str) -> str:
        return f"s{self.session.pk}-topic-{self.topics[name].pk}-1"


def breakout_session(small: SmallConvening, order: int = 2) -> BreakoutSession:
    convening = small.convening
    topics = {name: Topic.objects.get_or_create(kind=Topic.Kind.CORE_COMPONENT, name=name)[0]
              for name in (PARENT, LEARNING)}
    start = convening.starts_at + dt.timedelta(minutes=30 * order)
    session = Session.objects.create(convening=convening, title=f"Breakouts {order}", kind=Session.Kind.BREAKOUT,
                                     order=order, starts_at=start, ends_at=start + dt.timedelta(minutes=30))
    session.topics.set(topics.values())
    for name, wanted in INTERESTS.items():
        participant = small[name].participant
        participant.interests.clear()
        for topic in wanted:  # one by one: the order they are added is the order of choice
            participant.interests.add(topics[topic])
    return BreakoutSession(small, session, topics)


def signed_in(small: SmallConvening, name: str) -> Client:
    """A browser session (Django's test client) signed in as ``name``."""
    client = Client()
    client.force_login(small[name].participant.user)
    return client
