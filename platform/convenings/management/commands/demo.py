from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convenings.demo import seed
from convenings.demo_data import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Seed (or refresh) the demo Statewide Leadership Academy. Safe to run repeatedly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=f"http://127.0.0.1:{settings.PORT}")
        parser.add_argument("--force", action="store_true",
                            help="seed even with DEBUG off (a superuser with a published password)")

    def handle(self, *args: object, base_url: str, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            # The demo's organizer is a superuser whose password is in the README.
            raise CommandError(
                "DEBUG is off: this looks like a production site, and the demo creates a superuser "
                f"'organizer' with the published password {DEMO_PASSWORD!r}. Run `manage.py demo --force` "
                "if you really want the demo academy here, then change that password."
            )
        summary = seed()
        c = summary.convening
        out = self.stdout
        out.write(self.style.SUCCESS(f"Seeded {c.title}: {c.registrations.count()} registrations, "
                                     f"{c.sessions.count()} sessions."))
        out.write(f"  Agenda:        {base_url}{c.get_absolute_url()}")
        out.write(f"  Sign in:       {base_url}/accounts/login/  (password for all staff: {DEMO_PASSWORD})")
        out.write(f"  Staff:         {', '.join(summary.staff_usernames)}")
        out.write("  Join links (participants, no password):")
        for name, _role, path in summary.join_links:
            out.write(f"    {name:<24} {base_url}{path}")
