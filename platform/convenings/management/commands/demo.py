from __future__ import annotations

import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convenings.demo import LIVE_NOW, PHASES, seed
from convenings.demo_data import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Seed (or refresh) the demo Statewide Leadership Academy. Safe to run repeatedly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=f"http://127.0.0.1:{settings.PORT}")
        parser.add_argument("--at", default=LIVE_NOW, metavar="HH:MM|PHASE",
                            help="what time it is now on the academy's agenda (08:00–15:00): "
                                 f"{LIVE_NOW} (default) puts the opening plenary live now; or a phase: "
                                 + ", ".join(f"{name} ({hhmm})" for name, hhmm in PHASES.items()))
        parser.add_argument("--force", action="store_true",
                            help="seed even with DEBUG off (a superuser with a published password)")

    def handle(self, *args: object, base_url: str, at: str = LIVE_NOW, force: bool = False,
               **options: object) -> None:
        if not settings.DEBUG and not force:
            # The demo's organizer is a superuser whose password is in the README.
            raise CommandError(
                "DEBUG is off: this looks like a production site, and the demo creates a superuser "
                f"'organizer' with the published password {DEMO_PASSWORD!r}. Run `manage.py demo --force` "
                "if you really want the demo academy here, then change that password."
            )
        at = PHASES.get(at, at)
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at):
            raise CommandError(f"--at takes a time of day as HH:MM (e.g. {LIVE_NOW}) or one of "
                               f"{', '.join(PHASES)}, not {at!r}.")
        summary = seed(at=at)
        c = summary.convening
        out = self.stdout
        out.write(self.style.SUCCESS(f"Seeded {c.title}: {c.registrations.count()} registrations, "
                                     f"{c.sessions.count()} sessions."))
        local = c.starts_at.astimezone(c.tz)
        out.write(f"  Agenda:        {base_url}{c.get_absolute_url()}  (starts {local:%a %d %b %H:%M} {c.time_zone}; "
                  f"it is {at} on its agenda now)")
        out.write(f"  Sign in:       {base_url}/accounts/login/  (password for all staff: {DEMO_PASSWORD})")
        out.write(f"  Staff:         {', '.join(summary.staff_usernames)}")
        out.write("  Join links (participants, no password):")
        for name, _role, path in summary.join_links:
            out.write(f"    {name:<24} {base_url}{path}")
