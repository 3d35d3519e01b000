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
    registrations = list(Registration.objects.filter(convening_id=session.convening_id).select_related(
        "participant__user", "participant__school__district__region", "participant__district__region",
    ).order_by("participant__user__last_name", "participant__user__first_name", "participant_id"))
    interests = _interests([r.participant_id for r in registrations])
    people = []
    for registration in registrations:
        p = registration.participant
        district = p.school.district if p.school_id else p.district
        people.append(Person(
            id=p.pk, job_role=p.job_role, school=str(p.school_id) if p.school_id else None,
            team=str(p.team_id) if p.team_id else None, region=district.region.name if district else None,
            interests=interests.get(p.pk, ()), convening_role=registration.role, name=p.name))
    return people


def names(participant_ids: list[int]) -> dict[int, str]:
    people = Participant.objects.filter(pk__in=participant_ids).select_related("user")
    return {p.pk: p.name for p in people}
