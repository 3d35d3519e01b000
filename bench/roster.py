"""Synthetic participants for the benchmarks (not part of the app): N people (bench0001, …)
registered for a convening, and their join tokens.

    python bench/roster.py <slug> --bench-participants N [--json]     (DATABASE_URL: which database)

Benchmarks call ``roster(db_url, slug, "--bench-participants", N, "--json")``: its stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "bench"

if TYPE_CHECKING:
    from convenings.models import Convening, Registration


def roster(db_url: str, *args: str, timeout: float = 120) -> str:
    """Run this script against ``db_url`` (as ``tests.live.manage`` runs manage.py); its stdout."""
    sys.path.insert(0, str(ROOT))
    from tests.live import _env

    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], cwd=ROOT, env=_env(db_url),
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"bench/roster.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("convening", help="convening slug")
    parser.add_argument("--bench-participants", type=int, required=True, metavar="N")
    parser.add_argument("--json", action="store_true", help="print [{participant_id, username, token}, ...]")
    args = parser.parse_args()
    sys.path[0] = str(ROOT)  # not bench/, whose captions.py would stand in for the captions app
    from config.paths import add_platform_to_path

    add_platform_to_path()
    import django

    django.setup()
    from convenings import joinlinks
    from convenings.models import Convening

    target = Convening.objects.filter(slug=args.convening).first()
    if target is None:
        sys.exit(f"No convening with slug {args.convening!r}.")
    registrations = _ensure(target, args.bench_participants)
    if args.json:
        print(json.dumps([{"participant_id": r.participant_id, "username": r.participant.user.username,
                           "token": joinlinks.issue(r).token} for r in registrations]))
    else:
        print(f"{len(registrations)} synthetic participants registered for {target.title}.")


def _ensure(convening: Convening, count: int) -> list[Registration]:
    """Create what is missing in bulk (a thousand people in about a second), then return all N."""
    from django.db import transaction

    with transaction.atomic():
        return _create(convening, count)


def _create(convening: Convening, count: int) -> list[Registration]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from convenings.models import Registration
    from people.models import Participant

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


if __name__ == "__main__":
    main()
