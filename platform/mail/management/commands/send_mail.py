"""``manage.py send_mail [--loop]``: send the outbox from a process of its own.

Each daphne worker already does this in its tick; a separate sender is for deployments that
prefer one (or a cron job). Any number of senders may run at once (mail.sending).
"""
from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from mail import tick


class Command(BaseCommand):
    help = "Enqueue the reminders that are due and send the email outbox (once, or every MAIL_TICK_S with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep sending until stopped (Ctrl-C).")
        parser.add_argument("--interval", type=float, default=None,
                            help="Seconds between rounds with --loop (default: MAIL_TICK_S).")

    def handle(self, *args: Any, loop: bool = False, interval: float | None = None, **options: Any) -> None:
        interval = interval if interval is not None else float(settings.MAIL_TICK_S)
        if interval <= 0:
            raise ValueError("--interval must be a positive number of seconds.")
        while True:
            report = tick.run()
            if options.get("verbosity", 1) >= 1 and (report.sent or report.retrying or report.failed or not loop):
                self.stdout.write(f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed"
                                  + (" (the mail server is unreachable)" if report.server_down else ""))
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
