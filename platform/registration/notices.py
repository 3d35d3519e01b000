"""The emails registration sends, put in the outbox (``mail.outbox.enqueue``) by the services.

Each is keyed by the registration and its ``version`` (bumped on every change people make),
so the same change never sends twice, and a new change always sends its own message.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from django.urls import reverse

from convenings import joinlinks
from convenings.agenda import agenda
from convenings.ical import agenda_calendar
from convenings.models import Convening, Registration
from mail.outbox import enqueue
from registration.links import cancel_token


def when(convening: Convening) -> str:
    """"Tuesday March 10, 2026, 8:00 AM – 3:00 PM PDT" in the convening's time zone."""
    start, end = convening.starts_at.astimezone(convening.tz), convening.ends_at.astimezone(convening.tz)
    day = f"{start:%A %B} {start.day}, {start.year}"
    start_time, end_time = _clock(start), _clock(end)
    if start.date() == end.date():
        return f"{day}, {start_time} – {end_time} {end:%Z}"
    return f"{day}, {start_time} – {end:%A %B} {end.day}, {end_time} {end:%Z}"


def _clock(moment: dt.datetime) -> str:
    return f"{moment:%I:%M %p}".lstrip("0")


def agenda_attachment(convening: Convening, base_url: str, now: dt.datetime) -> tuple[str, bytes, str]:
    calendar = agenda_calendar(convening, agenda(convening), base_url, now)
    return (f"{convening.slug}-agenda.ics", calendar.to_ical(), "text/calendar")


def _url(base_url: str, path: str) -> str:
    return urljoin(base_url, path)


def _join_lines(registration: Registration, base_url: str) -> list[str]:
    try:
        link = joinlinks.issue_for_the_day(registration)
    except joinlinks.JoinLinkError:
        # Staff, moderators and organizers sign in with their password (joinlinks.py).
        return ["On the day, sign in with your username and password and open the convening:",
                _url(base_url, registration.convening.get_absolute_url())]
    return ["Your personal join link (it is yours alone: please do not forward it):",
            _url(base_url, link.path),
            "Open it on the day to join the convening; it also shows the agenda."]


def _details(registration: Registration) -> list[str]:
    person = registration.participant
    needs = [label for label, on in (("captions", registration.needs_captions),
                                      ("an interpreter", registration.needs_interpreter)) if on]
    if registration.accessibility_other:
        needs.append(registration.accessibility_other)
    district = person.home_district
    topics = set(registration.convening.sessions.values_list("topics", flat=True))
    interests = [t.name for t in person.interests.all() if t.pk in topics]
    lines = [f"  Name: {person.name}", f"  Email: {person.email}", f"  Job role: {person.get_job_role_display()}"]
    if person.school:
        lines.append(f"  School: {person.school.name}")
    if district:
        lines.append(f"  District: {district.name} ({district.region.name})")
    lines.append(f"  School Leadership Team: {'yes' if person.team_id else 'no'}")
    lines.append(f"  Interests: {', '.join(sorted(interests)) or 'none chosen'}")
    lines.append(f"  Accessibility needs: {'; '.join(needs) or 'none'}")
    if registration.registered_by:
        lines.append(f"  Registered by: {registration.registered_by}")
    return lines


def _footer(registration: Registration, base_url: str, leaving: str) -> list[str]:
    convening = registration.convening
    register = _url(base_url, reverse("registration:register", kwargs={"slug": convening.slug}))
    cancel = _url(base_url, reverse("registration:cancel_link", kwargs={"slug": convening.slug,
                                                                         "token": cancel_token(registration)}))
    return ["", f"To change your details, register again with this email address: {register}",
            f"{leaving}:", cancel, "", "— Convene, for the organizers of " + convening.title]


def send_confirmation(registration: Registration, base_url: str, now: dt.datetime, *, promoted: bool = False) -> None:
    convening = registration.convening
    person = registration.participant
    if promoted:
        subject = f"A place opened: you are registered for {convening.title}"
        opening = [f"Good news: a place opened for {convening.title}, and it is yours. "
                   "You were first on the waitlist, so you are now registered."]
    else:
        subject = f"You are registered for {convening.title}"
        opening = [f"You are registered for {convening.title}."]
    body = [f"Hello {person.name},", "", *opening, f"When: {when(convening)}", "", *_join_lines(registration, base_url),
            "", "The agenda is attached (an .ics file): open it to add every session to your calendar.",
            "", "What we have for you:", *_details(registration),
            *_footer(registration, base_url, "Can't come after all? Cancel, and your place goes to the next "
                                             "person on the waitlist")]
    kind = "promoted" if promoted else "confirm"
    enqueue(to=person.email, subject=subject, body="\n".join(body),
            key=f"{kind}:{registration.pk}:{registration.version}", attachments=[agenda_attachment(convening, base_url, now)], convening_id=convening.pk,
            kind="confirmation")


def send_waitlisted(registration: Registration, base_url: str, position: int) -> None:
    convening = registration.convening
    person = registration.participant
    body = [f"Hello {person.name},", "",
            f"{convening.title} is full, so you are on the waitlist (number {position} in line).",
            f"When: {when(convening)}", "",
            "If someone cancels, the first person on the waitlist gets their place automatically, "
            "and we email them their personal join link. You do not need to do anything.",
            "", "What we have for you:", *_details(registration),
            *_footer(registration, base_url, "No longer interested? Leave the waitlist")]
    enqueue(to=person.email, subject=f"You are on the waitlist for {convening.title}", body="\n".join(body),
            key=f"waitlist:{registration.pk}:{registration.version}", convening_id=convening.pk, kind="confirmation")


def send_cancelled(registration: Registration, base_url: str) -> None:
    convening = registration.convening
    person = registration.participant
    register = _url(base_url, reverse("registration:register", kwargs={"slug": convening.slug}))
    body = [f"Hello {person.name},", "", f"Your registration for {convening.title} is cancelled, "
            "and your join link no longer works.", "",
            f"Changed your mind? Register again (while registration is open): {register}",
            "", "— Convene, for the organizers of " + convening.title]
    enqueue(to=person.email, subject=f"Registration cancelled: {convening.title}", body="\n".join(body),
            key=f"cancelled:{registration.pk}:{registration.version}", convening_id=convening.pk,
            kind="confirmation")
