"""A breakout session's people and topics as planning input (rooms.planning)."""
from __future__ import annotations

from convenings.models import Registration, Session
from people.models import Participant
from rooms.planning import Person, Topic


def topics_for(session: Session) -> list[Topic]:
    return [Topic(str(t.pk), t.name, t.kind) for t in session.topics.order_by("kind", "name")]


def _interests(participant_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Interests in the order they were recorded (the roster CSV lists first choice first)."""
    through = Participant.interests.through.objects.filter(participant_id__in=participant_ids).order_by("id")
    wants: dict[int, list[str]] = {}
    for participant_id, topic_id in through.values_list("participant_id", "topic_id"):
        wants.setdefault(participant_id, []).append(str(topic_id))
    return {pid: tuple(topics) for pid, topics in wants.items()}


def people_for(session: Session) -> list[Person]:
    """Everyone registered for the session's convening, with what the planner groups by."""
    # values(): a thousand people's rows without building a thousand model instances.
    rows = list(Registration.objects.filter(convening_id=session.convening_id).order_by(
        "participant__user__last_name", "participant__user__first_name", "participant_id").values_list(
        "participant_id", "role", "participant__job_role", "participant__school_id", "participant__team_id",
        "participant__school__district__region__name", "participant__district__region__name",
        "participant__user__first_name", "participant__user__last_name", "participant__user__username"))
    interests = _interests([row[0] for row in rows])
    return [Person(id=pid, job_role=job_role, school=str(school) if school else None,
                   team=str(team) if team else None, region=school_region if school else district_region,
                   interests=interests.get(pid, ()), convening_role=role,
                   name=f"{first} {last}".strip() or username)
            for pid, role, job_role, school, team, school_region, district_region, first, last, username in rows]


def names(participant_ids: list[int]) -> dict[int, str]:
    people = Participant.objects.filter(pk__in=participant_ids).select_related("user")
    return {p.pk: p.name for p in people}
