"""Inviting a speaker: an account without a password, a presenter registration, their
sessions, a personal presenter link, and the email carrying it."""
from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from convenings import joinlinks
from convenings.models import Convening, Registration, Session
from organizer.changes import mail_installed
from people.models import Participant

logger = logging.getLogger(__name__)
PRESENTER = Registration.Role.PRESENTER.value
INVITATION_KIND = "speaker_invitation"


@dataclass(frozen=True)
class Invited:
    registration: Registration
    created_person: bool
    link_url: str  # absolute; "" when the person signs in with a password instead
    emailed: bool
    note: str  # what the organizer should know (e.g. "signs in with their password")


def username_for(email: str, taken: Iterable[str]) -> str:
    """A readable, unused username from an email address (pure)."""
    stem = re.sub(r"[^\w.@+-]", "", email.split("@")[0].lower())[:120] or "speaker"
    used = set(taken)
    if stem not in used:
        return stem
    n = 2
    while f"{stem}{n}" in used:
        n += 1
    return f"{stem}{n}"


def _person(first: str, last: str, email: str, job_role: str) -> tuple[Participant, bool]:
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    created = False
    if user is None:
        stem = email.split("@")[0].lower()
        taken = User.objects.filter(username__startswith=stem[:20]).values_list("username", flat=True)
        user = User(username=username_for(email, taken), email=email, first_name=first, last_name=last)
        user.set_unusable_password()  # an outside speaker signs in with their link only
        user.save()
        created = True
    participant = Participant.objects.filter(user=user).first()
    if participant is None:
        participant = Participant.objects.create(user=user, job_role=job_role)
    return participant, created


def _sessions_text(sessions: list[Session], time_zone: str) -> list[str]:
    zone = zoneinfo.ZoneInfo(time_zone)
    return [f"  • {s.title}: {s.starts_at.astimezone(zone):%a %-d %b, %-I:%M %p} – "
            f"{s.ends_at.astimezone(zone):%-I:%M %p} ({time_zone})" for s in sessions]


def invitation_body(name: str, convening: Convening, sessions: list[Session], link_url: str,
                    speaker_url: str) -> str:
    return "\n".join([
        f"Dear {name},", "",
        f"You are invited to present at {convening.title}.", "",
        *(["Your session(s):", *_sessions_text(sessions, convening.time_zone), ""] if sessions else []),
        "Your personal presenter link (it signs you in; please do not forward it):", f"  {link_url}", "",
        f"After opening it, your speaker page ({speaker_url}) shows your sessions, lets you upload "
        "your slides and handouts, and has a link to test your camera, microphone and screen "
        "sharing in the lobby before the day.", "",
        "We look forward to your session.",
    ])


def _stamp(registration: Registration) -> int:
    expires = registration.join_expires_at
    return int(expires.timestamp()) if expires else 0


def send_invitation(registration: Registration, *, link_url: str, speaker_url: str) -> bool:
    """Enqueue the speaker's invitation email (once per issued link); False without the mail app."""
    if not mail_installed():
        return False
    from mail.outbox import enqueue  # guarded: the mail app may not be installed

    person = registration.participant
    convening = registration.convening
    sessions = list(person.presenting.filter(convening=convening).order_by("starts_at"))
    enqueue(to=person.user.email, subject=f"You are presenting at {convening.title}",
            body=invitation_body(person.name, convening, sessions, link_url, speaker_url),
            key=f"speaker-invitation:{registration.pk}:{registration.join_nonce}:{_stamp(registration)}",
            convening_id=convening.pk, kind=INVITATION_KIND)
    return True


@transaction.atomic
def invite_speaker(convening: Convening, *, first_name: str, last_name: str, email: str, job_role: str,
                   sessions: Iterable[Session], absolute: Callable[[str], str], speaker_url: str) -> Invited:
    """Create (or find) the person, register them as presenter, put them on the sessions,
    issue their presenter link and email it. ``absolute`` turns a path into a full URL."""
    participant, created = _person(first_name, last_name, email, job_role)
    registration, _ = Registration.objects.get_or_create(
        convening=convening, participant=participant, defaults={"role": PRESENTER})
    note = ""
    if registration.role == Registration.Role.PARTICIPANT:
        registration.role = PRESENTER  # a registered participant who now presents
        registration.save(update_fields=["role"])
    for session in sessions:
        session.presenters.add(participant)
    reason = joinlinks.why_not_issued(registration)
    if reason:
        note = f"No presenter link for {participant.name}: {reason}."
        return Invited(registration, created, "", False, note)
    link = joinlinks.issue_for_the_day(registration)
    link_url = absolute(link.path)
    emailed = send_invitation(registration, link_url=link_url, speaker_url=speaker_url)
    return Invited(registration, created, link_url, emailed, note)
