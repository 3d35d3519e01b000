"""Certificates for the demo academy: called at the end of ``convenings.demo.seed()``.

The demo is seeded "live now" around the clock (by default the opening plenary,
08:30–09:30 on its agenda clock, has been running for a quarter of an hour), so the
attendance here is written relative to the seeding moment: nobody has attended the
future. The rule is the usual one (80% of a session, CTLE), and a session still
running is judged on the part that has happened, so the one demo certificate is
meaningful whenever the demo is seeded: it credits what its holder attended so far
(a quarter hour at the default phase, the whole hour when seeded "after" the day).
The demo's evaluation survey is anonymous and unanswered, so the rule does not wait for
it; the organizer can switch that on to see people wait.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from certificates import issue
from certificates.models import Certificate, CertificateRule
from convenings.models import Convening, Registration, Session

ORGANIZATION = "Statewide Leadership Network"
MINUTE = dt.timedelta(minutes=1)


@transaction.atomic
def seed_demo_certificates(convening: Convening, now: dt.datetime | None = None) -> Certificate | None:
    """Attendance in the opening plenary for three demo participants, and one certificate. Idempotent."""
    now = now or timezone.now()
    plenary = convening.sessions.filter(kind=Session.Kind.PLENARY).order_by("order").first()
    people = [r.participant for r in convening.registrations.filter(role=Registration.Role.PARTICIPANT)
              .select_related("participant__user").order_by("participant__user__username")[:3]]
    if plenary is None or not people:
        return None
    CertificateRule.objects.get_or_create(convening=convening, defaults={"organization": ORGANIZATION})
    # Re-seeding moves the academy to "today": earlier demo rows would sit on another day.
    convening.attendance.filter(participant__in=people).delete()
    Certificate.objects.filter(convening=convening, participant__in=people).delete()
    start = plenary.starts_at
    stays = [
        (people[0], start - 3 * MINUTE, plenary.ends_at),  # early, stays to the end...
        (people[0], start + 10 * MINUTE, start + 25 * MINUTE),  # ...with a second tab (counted once)
    ]
    if len(people) > 1:
        stays.append((people[1], start + 5 * MINUTE, plenary.ends_at))
    if len(people) > 2:
        stays.append((people[2], start + 40 * MINUTE, plenary.ends_at))  # came late: too little to count
    # Attendance rows are rooms' live state, written here through the convening (platform apps
    # never import rooms): a handful of made-up stays, as presence would have recorded them.
    for person, joined, left in stays:
        if joined < now:
            convening.attendance.create(participant=person, space="plenary", joined_at=joined, left_at=min(left, now))
    issued = issue.issue(convening, now, participant_ids=[people[0].pk]).issued
    return issued[0] if issued else None
