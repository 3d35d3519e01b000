from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convenings.models import Convening
from people.roster import RosterError, decode, import_roster


class Command(BaseCommand):
    help = "Import a CSV roster into a convening (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("convening", help="convening slug")
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args: object, convening: str, csv_file: Path, **options: object) -> None:
        target = Convening.objects.filter(slug=convening).first()
        if target is None:
            raise CommandError(f"No convening with slug {convening!r}.")
        try:
            data = csv_file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {csv_file}: {exc.strerror or exc}.") from exc
        try:
            result = import_roster(target, decode(data))
        except RosterError as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.created} new and {result.updated} updated participants into {target}."
        ))
