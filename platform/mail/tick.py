"""One round of the mail worker: enqueue what is due, then send what is waiting.

Called by each daphne worker's tick (signaling/worker.py, on a thread of its own) and by
``manage.py send_mail``. Safe to run in any number of processes at once (mail.sending).
"""
from __future__ import annotations

import datetime as dt
import logging

from django.db import close_old_connections

from mail.scheduling import schedule_due
from mail.sending import Report, send_due

logger = logging.getLogger("convene.mail")


def run(now: dt.datetime | None = None, *, sender_id: str | None = None) -> Report:
    schedule_due(now)
    return send_due(now=now, sender_id=sender_id)


def run_in_thread() -> None:
    """``run`` for a worker thread: its own database connection, closed afterwards, and no
    exception escaping (the next round tries again)."""
    close_old_connections()
    try:
        run()
    except Exception:  # noqa: BLE001 — a database or template hiccup must not end the worker's mail
        logger.exception("mail round failed; trying again at the next tick")
    finally:
        close_old_connections()
