from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from signaling.protocol_export import DOC_PATH, render_doc


class Command(BaseCommand):
    help = "Regenerate the message sections of docs/protocol.md from the protocol's models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if the file is out of date")

    def handle(self, *args: object, check: bool, **options: object) -> None:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        fresh = render_doc(current)
        if check:
            if fresh != current:
                raise CommandError(f"{DOC_PATH} is out of date: run `manage.py protocol_docs`.")
            self.stdout.write(f"{DOC_PATH} is up to date.")
            return
        DOC_PATH.write_text(fresh, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {DOC_PATH}."))
