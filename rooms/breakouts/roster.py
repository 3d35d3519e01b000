"""A breakout session's people and topics as planning input (rooms.planning)."""
from __future__ import annotations

from convenings.models import Registration, Session
from people.models import Participant
from rooms.models import Presence
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


def connected(convening_id: int) -> set[int]:
    """Who is here now: people with at least one open connection (Presence rows)."""
    return set(Presence.objects.filter(convening_id=convening_id).values_list("participant_id", flat=True))


def people_for(session: Session, only: list[int] | None = None) -> list[Person]:
    """Everyone registered for the session's convening (or ``only`` these), with what the planner groups by."""
    registrations = Registration.objects.filter(convening_id=session.convening_id)
    if only is not None:
        registrations = registrations.filter(participant_id__in=only)
    # values(): a thousand people's rows without building a thousand model instances.
    rows = list(registrations.order_by(
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
