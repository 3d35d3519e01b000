"""Who is opening a websocket to which convening, and whether to let them in.

A browser is signed in by its Django session (the join-link page logs people
in); synthetic clients pass a personal join-link token as ``?join=<token>``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from convenings import joinlinks
from convenings.models import Convening, Registration
from people.models import Participant
from signaling.protocol.base import CloseCode


@dataclass(frozen=True)
class Refused:
    code: CloseCode
    reason: str


def _token(scope: dict[str, Any]) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("join")
    return values[0] if values else None


def _participant(scope: dict[str, Any]) -> Participant | Refused:
    token = _token(scope)
    if token:
        try:
            return joinlinks.resolve(token).participant
        except joinlinks.JoinLinkError as exc:
            return Refused(CloseCode.UNAUTHENTICATED, str(exc))
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return Refused(CloseCode.UNAUTHENTICATED, "Sign in first: open your personal join link.")
    participant = Participant.objects.filter(user_id=user.pk).first()
    return participant or Refused(CloseCode.NOT_REGISTERED, "Your account is not a convening participant.")


@database_sync_to_async
def admit(scope: dict[str, Any]) -> Registration | Refused:
    """The registration this connection acts under, or why it is refused."""
    participant = _participant(scope)
    if isinstance(participant, Refused):
        return participant
    slug = scope["url_route"]["kwargs"]["slug"]
    convening = Convening.objects.filter(slug=slug).first()
    if convening is None:
        return Refused(CloseCode.NO_CONVENING, f"There is no convening {slug!r}.")
    registration = (Registration.objects.select_related("participant__user", "participant__school", "convening")
                    .filter(convening=convening, participant=participant).first())
    if registration is None:
        return Refused(CloseCode.NOT_REGISTERED, f"You are not registered for {convening.title}.")
    return registration
