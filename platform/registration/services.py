"""Registering, cancelling and promoting from the waitlist: the database side of the rules.

Every change happens in one transaction that first locks the convening's row
(``select_for_update``), so two people racing for the last place are served one after
the other: the second one counts the first one's place and lands on the waitlist.
The emails about a change are put in the outbox inside the same transaction.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from convenings.models import Convening, Registration, Topic
from people.models import District, Participant, Region, School, SchoolLeadershipTeam
from registration import notices, rules

logger = logging.getLogger(__name__)
Status = Registration.Status


class RegistrationClosed(Exception):
    """Registration closed between showing the form and sending it; the message says why."""


@dataclass(frozen=True)
class Person:
    """One person's answers on the form."""
    name: str
    email: str
    job_role: str
    on_team: bool = False
    needs_captions: bool = False
    needs_interpreter: bool = False
    accessibility_other: str = ""


@dataclass(frozen=True)
class Place:
    """Where they work: an existing school, or a new school (or none) in a district of a region."""
    school: School | None = None
    new_school: str = ""
    district: str = ""
    region: Region | None = None


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    status: str
    before: str | None  # their status before (None: new registration)

    @property
    def updated(self) -> bool:
        return self.before is not None


def taken_places(convening: Convening, *, excluding: int | None = None) -> int:
    """Participant places taken (staff and presenters do not use places)."""
    taken = convening.registrations.filter(role=Registration.Role.PARTICIPANT, status=Status.REGISTERED)
    return taken.exclude(pk=excluding).count() if excluding else taken.count()


def waitlist(convening: Convening):  # -> QuerySet[Registration]
    return (convening.registrations.filter(status=Status.WAITLISTED)
            .select_related("participant__user").order_by("waitlisted_at", "pk"))


def convening_topics(convening: Convening):  # -> QuerySet[Topic]
    return Topic.objects.filter(sessions__convening=convening).distinct().order_by("kind", "name")


def _locked(convening_id: int) -> Convening:
    return Convening.objects.select_for_update().get(pk=convening_id)


def _place(place: Place) -> tuple[School | None, District | None]:
    if place.school is not None:
        return place.school, place.school.district
    if not place.district:
        return None, None
    region = place.region or Region.objects.get_or_create(name="Unassigned")[0]
    district = (District.objects.filter(region=region, name__iexact=place.district).first()
                or District.objects.create(region=region, name=place.district))
    if not place.new_school:
        return None, district
    school = (School.objects.filter(district=district, name__iexact=place.new_school).first()
              or School.objects.create(district=district, name=place.new_school))
    return school, district


def _team(school: School | None) -> SchoolLeadershipTeam | None:
    if school is None:
        return None
    return school.teams.order_by("pk").first() or SchoolLeadershipTeam.objects.create(
        school=school, name=f"{school.name} Leadership Team")


def _user(person: Person):  # -> User
    """The account with this email (any case), or a new one that signs in by join link only."""
    User = get_user_model()
    first, _, last = person.name.rpartition(" ")
    first, last = (first, last) if first else (last, "")
    user = User.objects.filter(email__iexact=person.email).order_by("pk").first()
    if user is None:
        username = person.email.lower()[:150]
        if User.objects.filter(username=username).exists():
            username = f"{username[:140]}-{secrets.token_hex(4)}"  # the address is someone's username
        user = User(username=username, email=person.email, first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()
        user.save()
    elif not (user.is_staff or user.is_superuser):
        # Staff names are not changed by a public form (anyone may type any email there).
        User.objects.filter(pk=user.pk).update(first_name=first[:150], last_name=last[:150])
        user.first_name, user.last_name = first[:150], last[:150]
    return user


def _participant(person: Person, school: School | None, district: District | None,
                 topic_ids: list[int], chosen: list[int]) -> Participant:
    user = _user(person)
    participant, _ = Participant.objects.get_or_create(user=user, defaults={"job_role": person.job_role})
    participant.job_role = person.job_role
    participant.school = school
    participant.district = district if school is None else school.district
    participant.team = _team(school) if person.on_team else None
    participant.save()
    current = list(participant.interests.values_list("pk", flat=True))
    participant.interests.set(sorted(rules.interests_after(current, topic_ids, chosen)))
    return participant


def _apply(convening: Convening, participant: Participant, person: Person, registered_by: str,
           now: dt.datetime) -> Outcome:
    registration = (Registration.objects.select_for_update()
                    .filter(convening=convening, participant=participant).first())
    before = registration.status if registration else None
    if registration is None:
        registration = Registration(convening=convening, participant=participant)
    if registration.role == Registration.Role.PARTICIPANT:
        status = rules.new_status(before, taken_places(convening, excluding=registration.pk), convening.capacity)
    else:
        status = Status.REGISTERED  # staff and presenters do not use participant places
    if status == Status.WAITLISTED and before != Status.WAITLISTED:
        registration.waitlisted_at = now
    elif status != Status.WAITLISTED:
        registration.waitlisted_at = None
    registration.status = status
    registration.needs_captions = person.needs_captions
    registration.needs_interpreter = person.needs_interpreter
    registration.accessibility_other = person.accessibility_other
    registration.registered_by = registered_by
    registration.version += 1
    registration.save()
    return Outcome(registration, status, before)


def register(convening: Convening, people: list[Person], place: Place, interests: list[int], *,
             base_url: str, registered_by: str = "", now: dt.datetime | None = None) -> list[Outcome]:
    """Register (or update) each person, in one transaction holding the convening's lock."""
    now = now or timezone.now()
    outcomes = []
    with transaction.atomic():
        convening = _locked(convening.pk)
        reason = rules.closed_reason(convening.registration_mode, convening.registration_closes_at,
                                     convening.ends_at, now, convening.tz)
        if reason:
            raise RegistrationClosed(reason)
        topic_ids = list(convening_topics(convening).values_list("pk", flat=True))
        school, district = _place(place)
        for person in people:
            participant = _participant(person, school, district, topic_ids, interests)
            outcome = _apply(convening, participant, person, registered_by, now)
            _tell(outcome, base_url, now)
            outcomes.append(outcome)
    for outcome in outcomes:
        logger.info("registration %s for %s: %s (was %s)", outcome.registration.pk, convening.slug,
                    outcome.status, outcome.before or "new")
    return outcomes


def _tell(outcome: Outcome, base_url: str, now: dt.datetime) -> None:
    registration = outcome.registration
    if outcome.status == Status.REGISTERED:
        notices.send_confirmation(registration, base_url, now)
    else:
        notices.send_waitlisted(registration, base_url, waitlist_position(registration) or 1)


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Status.WAITLISTED or registration.waitlisted_at is None:
        return None
    earlier = waitlist(registration.convening).filter(waitlisted_at__lt=registration.waitlisted_at).count()
    same_time = waitlist(registration.convening).filter(waitlisted_at=registration.waitlisted_at,
                                                        pk__lte=registration.pk).count()
    return earlier + same_time


@dataclass(frozen=True)
class Cancelled:
    registration: Registration
    was: str
    promoted: list[Registration]


def cancel(registration: Registration, *, base_url: str, now: dt.datetime | None = None) -> Cancelled:
    """Cancel a registration (or leave the waitlist); a freed place goes to the waitlist's first."""
    now = now or timezone.now()
    with transaction.atomic():
        convening = _locked(registration.convening_id)
        registration = Registration.objects.select_for_update().select_related(
            "participant__user", "convening").get(pk=registration.pk)
        was = registration.status
        if was == Status.CANCELLED:
            return Cancelled(registration, was, [])
        registration.status = Status.CANCELLED
        registration.waitlisted_at = None
        registration.version += 1
        # Its join link, and any session the link opened, end with it (joinlinks refuses a
        # cancelled registration); registering again makes the same link work again.
        registration.save()
        notices.send_cancelled(registration, base_url)
        promoted = _promote(convening, base_url, now)
    logger.info("registration %s for %s cancelled (was %s); promoted %s", registration.pk, convening.slug, was,
                [r.pk for r in promoted] or "nobody")
    return Cancelled(registration, was, promoted)


def _promote(convening: Convening, base_url: str, now: dt.datetime) -> list[Registration]:
    waiting = list(waitlist(convening))
    count = rules.free_places(taken_places(convening), convening.capacity, len(waiting))
    promoted = waiting[:count]
    for registration in promoted:
        registration.status = Status.REGISTERED
        registration.waitlisted_at = None
        registration.version += 1
        registration.save()
        notices.send_confirmation(registration, base_url, now, promoted=True)
    return promoted


def promote_waitlisted(convening: Convening, *, base_url: str, now: dt.datetime | None = None) -> list[Registration]:
    """Fill free places from the waitlist (e.g. after an organizer raises the capacity)."""
    with transaction.atomic():
        return _promote(_locked(convening.pk), base_url, now or timezone.now())
