"""Synthetic participants for benchmarks: ``manage.py bench_roster <slug> --bench-participants N --json``."""
from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from convenings import joinlinks
from convenings.models import Convening, Registration
from people.models import Participant

PREFIX = "bench"


class Command(BaseCommand):
    help = "Register N synthetic participants (bench0001, ...) for a convening; optionally print their join tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("convening", help="convening slug")
        parser.add_argument("--bench-participants", type=int, required=True, metavar="N")
        parser.add_argument("--json", action="store_true", help="print [{participant_id, username, token}, ...]")

    def handle(self, *args: object, convening: str, bench_participants: int, **options: object) -> None:
        target = Convening.objects.filter(slug=convening).first()
        if target is None:
            raise CommandError(f"No convening with slug {convening!r}.")
        registrations = _ensure(target, bench_participants)
        if options["json"]:
            self.stdout.write(json.dumps([{"participant_id": r.participant_id, "username": r.participant.user.username,
                                       "token": joinlinks.issue(r).token} for r in registrations]))
        else:
            self.stdout.write(f"{len(registrations)} synthetic participants registered for {target.title}.")


@transaction.atomic
def _ensure(convening: Convening, count: int) -> list[Registration]:
    """Create what is missing in bulk (a thousand people in about a second), then return all N."""
    User = get_user_model()
    names = [f"{PREFIX}{n:04d}" for n in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(User(username=name, first_name="Bench", last_name=name[len(PREFIX):])
                             for name in names if name not in existing)
    users = User.objects.filter(username__in=names)
    have = set(Participant.objects.filter(user__in=users).values_list("user_id", flat=True))
    Participant.objects.bulk_create(Participant(user=user, job_role="teacher") for user in users if user.pk not in have)
    people = Participant.objects.filter(user__in=users)
    registered = set(Registration.objects.filter(convening=convening, participant__in=people)
                     .values_list("participant_id", flat=True))
    Registration.objects.bulk_create(Registration(convening=convening, participant=p, role=Registration.Role.PARTICIPANT)
                                     for p in people if p.pk not in registered)
    mine = Registration.objects.filter(convening=convening, participant__in=people)
    # Give every link its expiry in one UPDATE, so issue() need not save them one by one.
    mine.filter(join_expires_at__isnull=True).update(
        join_expires_at=timezone.now() + dt.timedelta(days=settings.JOIN_LINK_MAX_AGE_DAYS))
    return list(mine.select_related("participant__user").order_by("participant__user__username"))
