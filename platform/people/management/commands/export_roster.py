from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convenings.models import Convening
from people.roster import export_roster


class Command(BaseCommand):
    help = "Write a convening's roster as CSV to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("convening", help="convening slug")

    def handle(self, *args: object, convening: str, **options: object) -> None:
        target = Convening.objects.filter(slug=convening).first()
        if target is None:
            raise CommandError(f"No convening with slug {convening!r}.")
        self.stdout.write(export_roster(target), ending="")
