"""Seed the demo Statewide Leadership Academy. Idempotent: run it as often as you like."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from certificates.demo import seed_demo_certificates
from convenings import demo_data as data
from convenings import joinlinks
from convenings.models import Convening, Material, Registration, Session, Topic
from mail.demo import seed_demo_mail
from people.models import District, Participant, Region, School, SchoolLeadershipTeam
from registration.demo import seed_demo_registration
from surveys.demo import seed_demo_surveys

SLUG = "statewide-leadership-academy"
TIME_ZONE = "America/Los_Angeles"


@dataclass
class DemoSummary:
    convening: Convening
    staff_usernames: list[str] = field(default_factory=list)
    join_links: list[tuple[str, str, str]] = field(default_factory=list)  # name, role, path


def _person(username: str, first: str, last: str, job_role: str, *, password: bool = False, staff: bool = False,
            school: School | None = None, team: SchoolLeadershipTeam | None = None) -> Participant:
    # Moderators and presenters sign in with a password but are not site staff: their powers
    # come from their convening role, and staff accounts cannot use join links (joinlinks.py).
    User = get_user_model()
    user, _ = User.objects.update_or_create(username=username, defaults={
        "first_name": first, "last_name": last, "email": f"{username}@demo.convene.local",
        "is_staff": staff})
    if (password or staff) and not user.check_password(data.DEMO_PASSWORD):
        user.set_password(data.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    participant, _ = Participant.objects.update_or_create(user=user, defaults={
        "job_role": job_role, "school": school, "team": team,
        "district": school.district if school else None})
    return participant


def _topics() -> dict[str, Topic]:
    topics = {}
    for kind, names in data.TOPICS.items():
        for name in names:
            topics[name], _ = Topic.objects.get_or_create(kind=kind, name=name)
    for region in data.REGIONS:
        topics[region], _ = Topic.objects.get_or_create(kind=Topic.Kind.REGION, name=region)
    return topics


def agenda_midnight(now: dt.datetime, at: str) -> dt.datetime:
    """The moment the academy's agenda clock reads 00:00, chosen so that ``now`` reads ``at``.

    The demo is seeded relative to a clock (yours, or a test's), not to a calendar day: at
    ``at="08:45"`` the opening plenary (08:30–09:30) is live now whatever the hour, and a test
    picks any other phase (before the day, between sessions, after it). Rounded down to five
    minutes so the agenda reads tidily; durations are kept exactly (UTC arithmetic).
    """
    hours, minutes = (int(part) for part in at.split(":"))
    midnight = now.astimezone(dt.UTC) - dt.timedelta(hours=hours, minutes=minutes)
    return midnight - dt.timedelta(minutes=midnight.minute % 5, seconds=midnight.second,
                                   microseconds=midnight.microsecond)


def _convening(midnight: dt.datetime) -> Convening:
    start = midnight + dt.timedelta(hours=8)
    convening, _ = Convening.objects.update_or_create(slug=SLUG, defaults={
        "title": "Statewide Leadership Academy", "kind": Convening.Kind.ACADEMY,
        "time_zone": TIME_ZONE, "starts_at": start, "ends_at": start + dt.timedelta(hours=7),
        "description": "The annual academy for School Leadership Teams from partner schools across "
                       "four regions: plenary successes, breakouts by core component, a roundtable by "
                       "role and team planning time for each team's Top 5 Action Items."})
    return convening


def _register(convening: Convening, participant: Participant, role: str) -> Registration:
    registration, _ = Registration.objects.update_or_create(
        convening=convening, participant=participant, defaults={"role": role})
    return registration


def _interests(index: int, job_role: str, topics: dict[str, Topic], region: str) -> list[Topic]:
    core = data.TOPICS["core_component"][:3] + data.TOPICS["content_area"][:1]
    first, second = core[index % 4], core[(index + 1) % 4]
    role_topic = {"coach": "Coaches", "technician": "Technicians"}.get(job_role, "Administrators")
    return [topics[first], topics[second], topics[role_topic], topics[region]]


def _schools(convening: Convening, topics: dict[str, Topic], summary: DemoSummary) -> None:
    stems = iter(data.SCHOOL_STEMS)
    # Step through last names with a stride so a team's members get different surnames.
    names = ((data.LAST_NAMES[(i * 7 + i // len(data.FIRST_NAMES)) % len(data.LAST_NAMES)],
              data.FIRST_NAMES[i % len(data.FIRST_NAMES)])
             for i in itertools.count())
    index = 0
    for region_name, districts in data.REGIONS.items():
        region, _ = Region.objects.get_or_create(name=region_name)
        for district_name in districts:
            kind = District.Kind.COUNTY_OFFICE if "County" in district_name else District.Kind.DISTRICT
            district, _ = District.objects.update_or_create(region=region, name=district_name,
                                                            defaults={"kind": kind})
            for suffix in data.SCHOOL_SUFFIXES:
                school, _ = School.objects.get_or_create(district=district, name=f"{next(stems)} {suffix}")
                team, _ = SchoolLeadershipTeam.objects.get_or_create(
                    school=school, name=f"{school.name} Leadership Team")
                for seat in range(3):
                    last, first = next(names)
                    job_role = data.TEAM_ROLES[(index + seat) % len(data.TEAM_ROLES)] if seat else "principal"
                    person = _person(f"leader{index * 3 + seat + 1:02d}", first, last, job_role,
                                     school=school, team=team)
                    person.interests.set(_interests(index + seat, job_role, topics, region_name))
                    _register(convening, person, Registration.Role.PARTICIPANT)
                index += 1


def _agenda(convening: Convening, midnight: dt.datetime, topics: dict[str, Topic],
            presenters: list[Participant]) -> None:
    def at(hhmm: str) -> dt.datetime:
        clock = dt.time.fromisoformat(hhmm)
        return midnight + dt.timedelta(hours=clock.hour, minutes=clock.minute)

    for order, title, kind, start, end, description, topic_names, presenter_idx in data.AGENDA:
        session, _ = Session.objects.update_or_create(convening=convening, order=order, defaults={
            "title": title, "kind": kind, "starts_at": at(start), "ends_at": at(end),
            "description": description})
        session.topics.set([topics[name] for name in topic_names])
        session.presenters.set([presenters[i] for i in presenter_idx])
        for material_title, url in data.MATERIALS.get(order, []):
            Material.objects.update_or_create(session=session, title=material_title, defaults={"url": url})


def _staff(convening: Convening, summary: DemoSummary) -> list[Participant]:
    first, last = data.ORGANIZER
    organizer = _person("organizer", first, last, "district_leader", staff=True)
    organizer.user.is_superuser = True
    organizer.user.save(update_fields=["is_superuser"])
    _register(convening, organizer, Registration.Role.ORGANIZER)
    summary.staff_usernames.append("organizer")
    for i, (first, last) in enumerate(data.MODERATORS, start=1):
        _register(convening, _person(f"moderator{i}", first, last, "district_leader", password=True),
                  Registration.Role.MODERATOR)
        summary.staff_usernames.append(f"moderator{i}")
    presenters = []
    for i, (first, last, job_role, _talk) in enumerate(data.PRESENTERS, start=1):
        presenter = _person(f"presenter{i}", first, last, job_role, password=True)
        _register(convening, presenter, Registration.Role.PRESENTER)
        summary.staff_usernames.append(f"presenter{i}")
        presenters.append(presenter)
    return presenters


# Phases of the academy's day, as its agenda clock reads "now" (``seed(at=...)``).
PHASES = {
    "before": "07:30",  # the day has not begun (it starts at 08:00)
    "session": "08:45",  # the opening plenary (08:30–09:30) is live; no survey is due yet
    "surveys": "10:00",  # breakouts are on; the opening plenary's survey prompt shows
    "between": "11:50",  # between the roundtable and team planning, prompts showing
    "after": "16:00",  # the academy has ended (15:00): every survey is due
}
LIVE_NOW = PHASES["session"]


@transaction.atomic
def seed(now: dt.datetime | None = None, at: str = LIVE_NOW) -> DemoSummary:
    """Seed the academy so that ``now`` (default: the clock) is ``at`` on its agenda."""
    midnight = agenda_midnight(now or timezone.now(), at)
    topics = _topics()
    convening = _convening(midnight)
    summary = DemoSummary(convening)
    presenters = _staff(convening, summary)
    _schools(convening, topics, summary)
    _agenda(convening, midnight, topics, presenters)
    participants = convening.registrations.filter(role=Registration.Role.PARTICIPANT)
    for registration in participants.select_related("participant__user").order_by("participant__user__username")[:3]:
        link = joinlinks.issue(registration)
        summary.join_links.append((registration.participant.name, registration.role, link.path))
    seed_demo_surveys(convening)
    seed_demo_certificates(convening, now)
    seed_demo_registration(convening)
    seed_demo_mail(convening, now)
    return summary
