from __future__ import annotations

from dataclasses import dataclass

import pytest

from convenings.models import Convening, Session
from people.models import Participant
from surveys.evaluation import evaluation_survey
from surveys.models import Question, Survey
from tests.platform.surveys.factories import make_convening, make_session, registered


@dataclass
class World:
    convening: Convening
    session: Session
    survey: Survey  # the default evaluation of the session, named
    alice: Participant
    bob: Participant
    moderator: Participant
    organizer: Participant

    def question(self, kind: str, n: int = 0) -> Question:
        return list(self.survey.questions.filter(kind=kind).order_by("order"))[n]


@pytest.fixture
def world(db: None) -> World:
    convening = make_convening()
    session = make_session(convening, 1, "09:00", "10:00", title="Opening plenary")
    survey = evaluation_survey(convening, session)
    Survey.objects.filter(pk=survey.pk).update(closes_at=None)  # open whatever today's date is
    survey.refresh_from_db()
    return World(convening, session, survey,
                 registered(convening, "alice"), registered(convening, "bob"),
                 registered(convening, "mod", "moderator"), registered(convening, "org", "organizer"))


def valid_answers(world: World, **overrides: str) -> dict[str, str]:
    """A complete, valid form post for the default evaluation."""
    presentation, content = world.question("rating", 0), world.question("rating", 1)
    fmt = world.question("choice")
    topics = world.question("text", 0)
    data = {f"q{presentation.pk}": "4", f"q{content.pk}": "5", f"q{fmt.pk}": "More team planning time",
            f"q{topics.pk}": "Device inventory"}
    data.update(overrides)
    return data
