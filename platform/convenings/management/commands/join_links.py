from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convenings import joinlinks
from convenings.models import Convening, Registration


class Command(BaseCommand):
    help = ("Print personal join links for a convening's participants and presenters (optionally as JSON). "
            "Moderators and organizers get none: they sign in with their password.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("convening", help="convening slug")
        parser.add_argument("--role", choices=Registration.Role.values,
                            help="only this role (moderators and organizers get no links)")
        parser.add_argument("--username", action="append", default=[])
        parser.add_argument("--limit", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="one JSON list with tokens")
        # The address the site is served on (SITE_URL; `make run PORT=8300` sets it), not a fixed port.
        parser.add_argument("--base-url", default=settings.SITE_URL,
                            help="where the links point (default: the SITE_URL setting, %(default)s)")

    def handle(self, *args: object, **opts: object) -> None:
        convening = Convening.objects.filter(slug=opts["convening"]).first()
        if convening is None:
            raise CommandError(f"No convening with slug {opts['convening']!r}.")
        registrations = convening.registrations.select_related("participant__user").order_by(
            "participant__user__username")
        if opts["role"] and opts["role"] not in joinlinks.LINK_ROLES:
            raise CommandError(f"No join links for {opts['role']}s: {joinlinks.why_not_issued_to_role()}.")
        if opts["role"]:
            registrations = registrations.filter(role=opts["role"])
        if opts["username"]:
            registrations = registrations.filter(participant__user__username__in=opts["username"])
        # Moderators, organizers, staff and deactivated accounts get no link (joinlinks.py): say so,
        # on stderr so that --json output stays one JSON document, and let --limit count real links.
        for registration in registrations.exclude(joinlinks.eligible()):
            self.stderr.write(f"Skipped {registration.participant.name} ({registration.participant.user.username}): "
                              f"{joinlinks.why_not_issued(registration)}.")
        registrations = registrations.filter(joinlinks.eligible())
        if opts["limit"]:
            registrations = registrations[: int(opts["limit"])]  # type: ignore[arg-type]
        rows = []
        for registration in registrations:
            link = joinlinks.issue(registration)
            rows.append({"participant_id": registration.participant_id,
                         "username": registration.participant.user.username,
                         "name": registration.participant.name, "role": registration.role,
                         "token": link.token, "url": f"{str(opts['base_url']).rstrip('/')}{link.path}"})
        if opts["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(f"{row['name']:<26} {row['role']:<12} {row['url']}")
