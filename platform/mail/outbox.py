"""Putting a message in the outbox: the one call other apps make (``enqueue``).

Call it inside the transaction of the change the message is about (a registration, an
issued certificate): the message exists exactly when that change committed, and is sent
later by ``mail.sending`` — never inside the web request.
"""
from __future__ import annotations

from collections.abc import Sequence
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction

from mail.models import OutboxAttachment, OutboxMessage


def _message_id_domain() -> str:
    sender = str(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")
    domain = sender.rpartition("@")[2].strip("> ")
    return domain or "convene.invalid"


def enqueue(*, to: str, subject: str, body: str, key: str, html: str = "",
            attachments: Sequence[tuple[str, bytes, str]] = (), convening_id: int | None = None,
            kind: str = "") -> OutboxMessage:
    """Store one message to be sent later; the same ``key`` twice keeps the first message.

    ``attachments`` are (filename, content, mimetype). ``key`` names the message for its
    whole life (e.g. ``"reminder:<convening>:<registration>:1440"``): enqueueing again after a
    retry, a second worker or a restart adds nothing.
    """
    if not key:
        raise ValueError("An outbox message needs a key (it keeps the message from being sent twice).")
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(key=key[:255], defaults={
            "to": to, "subject": subject[:300], "body": body, "html": html, "kind": kind[:50],
            "convening_id": convening_id, "message_id": make_msgid(domain=_message_id_domain()),
        })
        if created and attachments:
            OutboxAttachment.objects.bulk_create(
                OutboxAttachment(message=message, filename=name, content=content, mimetype=mimetype)
                for name, content, mimetype in attachments
            )
    return message
