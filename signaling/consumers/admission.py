"""Who is opening a websocket to which convening, and whether to let them in.

A browser is signed in by its Django session: a password session, or one opened
through personal join links (the link page's POST), which is checked again here
like every request (convenings.middleware): only a convening one of its links is
for, and only while that link holds. Synthetic clients pass a participant's or
presenter's join-link token as ``?join=<token>``; it opens its own registration's
convening and no other. Moderator and organizer scripts sign in with a password
and send the session cookie. Participants wait until the doors open (convenings.opening:
close 4425 with the opening time), as the live page's lobby makes them wait.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.utils import timezone

from convenings import joinlinks, opening
from convenings.models import Convening, Registration
from signaling.db_thread import DatabaseTrip
from signaling.protocol.base import CloseCode


@dataclass(frozen=True)
class Refused:
    code: CloseCode
    reason: str


def _token(scope: dict[str, Any]) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("join")
    return values[0] if values else None


def _by_link(token: str, slug: str) -> Registration | Refused:
    """The registration a link token stands for, if it is for this convening: the one read
    that also brings its person and convening (a burst of joins queues on these reads)."""
    try:
        registration = joinlinks.resolve(token)
    except joinlinks.JoinLinkError as exc:
        convening = _convening(slug)  # an unknown convening is said first, as for a session
        return convening if isinstance(convening, Refused) else Refused(CloseCode.UNAUTHENTICATED, str(exc))
    if registration.convening.slug != slug:
        convening = _convening(slug)
        return convening if isinstance(convening, Refused) else Refused(
            CloseCode.NOT_REGISTERED, f"This join link is for {registration.convening.title}, not {convening.title}.")
    return registration


def _convening(slug: str) -> Convening | Refused:
    convening = Convening.objects.filter(slug=slug).first()
    return convening if convening is not None else Refused(CloseCode.NO_CONVENING, f"There is no convening {slug!r}.")


def _by_session(scope: dict[str, Any], convening: Convening) -> int | Refused:
    """The participant a signed-in browser (``_registered`` checked that it is) acts as in this convening."""
    user = scope["user"]
    session = scope.get("session")
    if session is not None and joinlinks.is_link_session(session):
        links = joinlinks.held(session, user)
        refusal = links.refusal(convening.pk)
        if refusal:
            # Ended links say so (4401: sign in again); a link for elsewhere is 4403.
            code = CloseCode.NOT_REGISTERED if refusal == joinlinks.ELSEWHERE else CloseCode.UNAUTHENTICATED
            return Refused(code, refusal)
        return links.by_convening[convening.pk].participant_id
    participant_id = getattr(getattr(user, "participant", None), "pk", None)
    if participant_id is None:
        return Refused(CloseCode.NOT_REGISTERED, "Your account is not a convening participant.")
    return participant_id


def _registered(scope: dict[str, Any], slug: str) -> Registration | Refused:
    """A signed-in browser's registration for this convening."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:  # nothing else is said before signing in
        return Refused(CloseCode.UNAUTHENTICATED, "Sign in first: open your personal join link.")
    convening = _convening(slug)
    if isinstance(convening, Refused):
        return convening
    participant_id = _by_session(scope, convening)
    if isinstance(participant_id, Refused):
        return participant_id
    registration = (Registration.objects.select_related("participant__user", "participant__school", "convening")
                    .filter(convening=convening, participant_id=participant_id).first())
    if registration is None:
        return Refused(CloseCode.NOT_REGISTERED, f"You are not registered for {convening.title}.")
    return registration


def _admit(scope: dict[str, Any]) -> Registration | Refused:
    token, slug = _token(scope), scope["url_route"]["kwargs"]["slug"]
    registration = _by_link(token, slug) if token else _registered(scope, slug)
    if isinstance(registration, Refused):
        return registration
    convening = registration.convening
    if not registration.takes_a_place:
        return Refused(CloseCode.NOT_REGISTERED,
                       f"Your registration for {convening.title} is {registration.get_status_display().lower()}.")
    doors = opening.Doors.of(convening)
    now = timezone.now()
    if not opening.may_enter(registration.role, doors, now):
        return Refused(CloseCode.NOT_OPEN_YET, opening.not_open_yet(convening.title, doors, now))
    return registration


@DatabaseTrip
def admit(scope: dict[str, Any]) -> Registration | Refused:
    """The registration this connection acts under, or why it is refused."""
    return _admit(scope)
