"""Telling registered people when a session they were invited to changes.

``what_changed`` is pure: it compares what people were told (title, kind, times) before and
after an edit (a session added has no before, one removed no after). ``tell_registered`` and
``tell_removed`` enqueue one email per registration through the mail app's outbox
(``mail.outbox.enqueue``), only once invitations have gone out and only when the mail app is
installed; the outbox key names the session and the change's version, so a change is emailed
once however often a save is retried.
"""
from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction

from convenings.models import Convening, Registration, Session
from organizer.models import SessionChange

logger = logging.getLogger(__name__)

# Outbox kinds that mean "people were told about this convening" (the mail and registration apps').
INVITATION_KINDS = ("invitation", "confirmation")
CHANGE_KIND = "session_change"


@dataclass(frozen=True)
class SessionFacts:
    """What an invitation told people about a session."""
    title: str
    kind_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    @classmethod
    def of(cls, session: Session) -> SessionFacts:
        return cls(session.title, session.get_kind_display(), session.starts_at, session.ends_at)


def _when(facts: SessionFacts, zone: zoneinfo.ZoneInfo) -> str:
    start, end = facts.starts_at.astimezone(zone), facts.ends_at.astimezone(zone)
    return f"{start:%a %-d %b %Y, %-I:%M %p} – {end:%-I:%M %p}"


def what_changed(before: SessionFacts | None, after: SessionFacts | None, time_zone: str) -> list[str]:
    """Lines telling people what changed, in the convening's time zone; empty when nothing they were told did.
    ``before`` None: the session is new to the agenda; ``after`` None: it was removed."""
    zone = zoneinfo.ZoneInfo(time_zone)
    if after is None:
        return [] if before is None else [
            f"Removed from the agenda (it was {before.kind_label}, {_when(before, zone)}, {time_zone})"]
    if before is None:
        return [f"New on the agenda: {after.kind_label}, {_when(after, zone)} ({time_zone})"]
    lines = []
    if before.title != after.title:
        lines.append(f"Title: now “{after.title}” (was “{before.title}”)")
    if before.kind_label != after.kind_label:
        lines.append(f"Kind: now {after.kind_label} (was {before.kind_label})")
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        lines.append(f"Time: now {_when(after, zone)} ({time_zone}; was {_when(before, zone)})")
    return lines


def mail_installed() -> bool:
    return apps.is_installed("mail")


def invitations_sent(convening: Convening) -> bool:
    """Whether people have been emailed about this convening (so changes must reach them)."""
    if not mail_installed():
        return False
    from mail.models import OutboxMessage  # guarded: the mail app may not be installed

    return OutboxMessage.objects.filter(convening=convening, kind__in=INVITATION_KINDS).exists()


def people_to_tell(convening: Convening, *, except_user_id: int | None = None) -> list[Registration]:
    """Everyone registered who has an email address, but the person making the change."""
    registrations = (Registration.objects.filter(convening=convening).exclude(participant__user_id=except_user_id)
                     .select_related("participant__user"))
    try:  # once registrations can be cancelled (the registration app), the cancelled are not told
        Registration._meta.get_field("status")
        registrations = registrations.exclude(status="cancelled")
    except FieldDoesNotExist:
        pass
    return [r for r in registrations if r.participant.user.email]


def _body(session: Session, lines: list[str], page_url: str) -> str:
    return "\n".join([
        f"A session of {session.convening.title} has changed:", "", f"  {session.title}", "",
        *(f"  • {line}" for line in lines), "",
        f"The agenda: {page_url}", "",
        "You are receiving this because you are registered for this convening.",
    ])


def tell_registered(session: Session, lines: list[str], *, page_url: str, changed_by: object = None,
                    added: bool = False) -> int:
    """Email everyone registered about this change (``added``: the session is new), once; returns
    how many were told (0: nobody needed telling yet, or the mail app is not installed)."""
    convening = session.convening
    if not lines or not invitations_sent(convening):
        return 0
    from mail.outbox import enqueue  # guarded: see invitations_sent

    with transaction.atomic():
        latest = SessionChange.objects.select_for_update().filter(session=session).order_by("-version").first()
        version = (latest.version if latest else 0) + 1
        people = people_to_tell(convening, except_user_id=getattr(changed_by, "pk", None))
        subject = f"{'New session' if added else 'Changed'}: {session.title} · {convening.title}"
        body = _body(session, lines, page_url)
        for registration in people:
            enqueue(to=registration.participant.user.email, subject=subject, body=body,
                    key=f"session-change:{session.pk}:{version}:{registration.pk}",
                    convening_id=convening.pk, kind=CHANGE_KIND)
        SessionChange.objects.create(session=session, version=version, summary="\n".join(lines),
                                     told=len(people), changed_by=changed_by)
    logger.info("session %s changed (v%s): told %s registered people", session.pk, version, len(people))
    return len(people)


def tell_removed(session: Session, *, page_url: str, changed_by: object = None) -> int:
    """Before a session is deleted: email everyone registered that it is off the agenda, once
    (the key names the session, whose id is never reused). No SessionChange row: it would go
    with the session."""
    convening = session.convening
    lines = what_changed(SessionFacts.of(session), None, convening.time_zone)
    if not invitations_sent(convening):
        return 0
    from mail.outbox import enqueue  # guarded: see invitations_sent

    people = people_to_tell(convening, except_user_id=getattr(changed_by, "pk", None))
    subject = f"Removed: {session.title} · {convening.title}"
    body = _body(session, lines, page_url)
    with transaction.atomic():
        for registration in people:
            enqueue(to=registration.participant.user.email, subject=subject, body=body,
                    key=f"session-removed:{session.pk}:{registration.pk}", convening_id=convening.pk,
                    kind=CHANGE_KIND)
    logger.info("session %s removed: told %s registered people", session.pk, len(people))
    return len(people)
