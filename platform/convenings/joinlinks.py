"""Personal join links: signed, expiring, revocable — for participants and presenters.

A link carries the registration id, its current nonce and its own expiry,
all signed with the site's SECRET_KEY. It is valid while the signature checks,
its expiry has not passed, the nonce still matches (revoking rotates it), the
registration's expiry has not passed and the person may use join links.

A link is a password-less bearer credential (it is emailed, forwarded, kept in
browser history), so it carries at most a presenter's powers: chat, camera and
microphone, sharing a screen — what an outside speaker without an account needs.
Moderators and organizers can mute, move and broadcast to people and read survey
results; those powers need a password, and so do staff, superusers and (never)
deactivated accounts.

A link opens the convening of its registration and nothing else. Opening it
signs the browser in (by a POST from the link's page: a plain GET signs nobody
in), and the session remembers which links it came from (``SESSION_KEY``); on
every request and websocket connect those links are checked again, so revoking
or expiring a link ends the session it opened. Password sessions carry no links
and are not touched.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from convenings.models import Registration, new_join_nonce

logger = logging.getLogger(__name__)

SALT = "convene.join-link"
# In a session opened through links: {registration id: the link's signed payload}.
SESSION_KEY = "convene.join_links"
# The convening roles a bearer link may carry (see the module docstring).
LINK_ROLES = frozenset({Registration.Role.PARTICIPANT.value, Registration.Role.PRESENTER.value})

NOT_VALID = "This join link is not valid. Check that you copied all of it."
EXPIRED = "This join link has expired. Ask the organizers for a new one."
REVOKED = "This join link has been revoked. Ask the organizers for a new one."
ELSEWHERE = ("You signed in with a join link for another convening. "
             "Open your personal join link for this one.")
# What the person opening the link reads, and what an organizer issuing one reads.
_REFUSED = {
    "inactive": ("This account has been deactivated, so its join link no longer works. "
                 "Ask the organizers if you think this is a mistake.",
                 "the account is deactivated"),
    "staff": ("Join links are for participants and presenters. "
              "Staff accounts sign in with their username and password.",
              "staff accounts sign in with their password"),
    "role": ("Join links are for participants and presenters. "
             "Moderators and organizers sign in with their username and password.",
             "moderators and organizers sign in with their password"),
    # Self-registration (the registration app): a place given up, or not yet given.
    Registration.Status.CANCELLED.value: ("This registration was cancelled, so its join link no longer works. "
                                          "Register again (or ask the organizers) and it works again.",
                                          "the registration is cancelled"),
    Registration.Status.WAITLISTED.value: ("You are on the waitlist: your join link works once a place opens "
                                           "for you, and we will email you when it does.",
                                           "the person is on the waitlist"),
}


class JoinLinkError(Exception):
    """A join link that cannot be used or issued; the message is shown to the person."""


@dataclass(frozen=True)
class JoinLink:
    registration: Registration
    token: str

    @property
    def path(self) -> str:
        return reverse("join", kwargs={"token": self.token})


def current_time() -> dt.datetime:
    """The clock every check at use reads (tests move it instead of waiting)."""
    return timezone.now()


def _refusal(registration: Registration) -> str | None:
    """Which rule keeps this registration's person from using join links, or None when they may."""
    user = registration.participant.user
    if not user.is_active:
        return "inactive"
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return "staff"
    if registration.role not in LINK_ROLES:
        return "role"
    if registration.status != Registration.Status.REGISTERED:
        return registration.status
    return None


def eligible() -> Q:
    """``_refusal`` as a query: the registrations whose person may use join links."""
    return Q(participant__user__is_active=True, participant__user__is_staff=False,
             participant__user__is_superuser=False, role__in=sorted(LINK_ROLES),
             status=Registration.Status.REGISTERED)


def why_not_issued(registration: Registration) -> str | None:
    """For organizers: why no link can be issued for this registration, or None."""
    refusal = _refusal(registration)
    return _REFUSED[refusal][1] if refusal else None


def why_not_issued_to_role() -> str:
    """For organizers asking for links by a role links may not carry."""
    return _REFUSED["role"][1]


def issue(registration: Registration, *, valid_for: dt.timedelta | None = None,
          now: dt.datetime | None = None) -> JoinLink:
    """A join link for this registration.

    Issuing again while the registration's links are valid gives the same link (the demo
    and ``manage.py join_links`` print it repeatedly). Once they have expired, issuing
    renews the expiry and rotates the nonce, so the new link works and the expired ones
    stay dead. ``valid_for`` sets a new expiry for the links issued from now on.
    """
    reason = why_not_issued(registration)
    if reason:
        raise JoinLinkError(f"No join link for {registration.participant}: {reason}.")
    now = now or timezone.now()
    expires = registration.join_expires_at
    changed: list[str] = []
    if expires is not None and expires <= now:
        registration.join_nonce = new_join_nonce()
        changed.append("join_nonce")
    if expires is None or expires <= now or valid_for is not None:
        lifetime = valid_for if valid_for is not None else dt.timedelta(days=settings.JOIN_LINK_MAX_AGE_DAYS)
        expires = registration.join_expires_at = now + lifetime
        changed.append("join_expires_at")
    if changed:
        registration.save(update_fields=changed)
    payload = {"r": registration.pk, "n": registration.join_nonce, "e": int(expires.timestamp())}
    return JoinLink(registration, signing.dumps(payload, salt=SALT))


# A link emailed ahead of a convening must open it on the day, however far off the day is (a
# link's usual life, JOIN_LINK_MAX_AGE_DAYS from issue, can be shorter); it stops a day after the end.
OUTLIVES_CONVENING = dt.timedelta(days=1)


def lifetime_for_the_day(expires: dt.datetime | None, ends_at: dt.datetime, now: dt.datetime,
                         usual: dt.timedelta) -> dt.timedelta | None:
    """How long a link issued ``now`` must last to work until a day after the convening ends;
    None when the current expiry already covers that. Pure; never shortens a link's life."""
    needed = ends_at + OUTLIVES_CONVENING
    if expires is not None and now < expires and needed <= expires:
        return None
    return max(needed - now, usual)


def issue_for_the_day(registration: Registration, *, now: dt.datetime | None = None) -> JoinLink:
    """``issue`` for a link emailed ahead of the convening (confirmation, invitation, reminder)."""
    now = now or timezone.now()
    valid_for = lifetime_for_the_day(registration.join_expires_at, registration.convening.ends_at, now,
                                     dt.timedelta(days=settings.JOIN_LINK_MAX_AGE_DAYS))
    return issue(registration, valid_for=valid_for, now=now)


def revoke(registration: Registration) -> None:
    """Ends the registration's links and the sessions they opened (at their next request)."""
    registration.join_nonce = new_join_nonce()
    registration.save(update_fields=["join_nonce"])


def _well_formed(data: object) -> bool:
    # Signed by us, but check the shape anyway: a link from an older or newer version.
    return (isinstance(data, dict) and isinstance(data.get("r"), int) and isinstance(data.get("n"), str)
            and isinstance(data.get("e", 0), int))


def _payload(token: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise JoinLinkError(NOT_VALID) from exc
    if not _well_formed(data):
        raise JoinLinkError(NOT_VALID)
    return data


def check(payload: Mapping[str, Any], registration: Registration | None, now: dt.datetime) -> None:
    """Raise JoinLinkError saying why a link (its payload) no longer opens ``registration``.

    Pure: the same rules for a link being opened and for a session a link opened.
    """
    # Links issued before expiries were signed in carry none; the registration's still applies.
    if "e" in payload and payload["e"] <= now.timestamp():
        raise JoinLinkError(EXPIRED)
    if registration is None or registration.pk != payload["r"] or registration.join_nonce != payload["n"]:
        raise JoinLinkError(REVOKED)
    if registration.join_expires_at and registration.join_expires_at <= now:
        raise JoinLinkError(EXPIRED)
    refusal = _refusal(registration)
    if refusal:
        raise JoinLinkError(_REFUSED[refusal][0])


def _registrations(pks: list[int]) -> dict[int, Registration]:
    found = Registration.objects.select_related("participant__user", "participant__school", "convening").filter(pk__in=pks)
    return {registration.pk: registration for registration in found}


def _opened(token: str, now: dt.datetime | None = None) -> tuple[Registration, dict[str, Any]]:
    data = _payload(token)
    registration = _registrations([data["r"]]).get(data["r"])
    check(data, registration, now or current_time())
    assert registration is not None  # check() refuses a missing registration
    return registration, data


def resolve(token: str, *, now: dt.datetime | None = None) -> Registration:
    """The registration a token stands for, or JoinLinkError saying why not."""
    return _opened(token, now)[0]


# ---- sessions opened through links -----------------------------------------------------------

def sign_in(request: HttpRequest, token: str) -> Registration:
    """Sign the browser in through a link (the POST of the link's page) and remember the link.

    A browser already signed in as this person with a password stays a password session:
    the link adds nothing to it and must not narrow it to one convening.
    """
    registration, data = _opened(token)
    user = registration.participant.user
    password_session = request.user.is_authenticated and request.user.pk == user.pk \
        and SESSION_KEY not in request.session
    if password_session:
        return registration
    # Another person's session (or none) is flushed by login(); the same person's keeps its links.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    links = dict(request.session.get(SESSION_KEY) or {})
    links[str(registration.pk)] = data
    request.session[SESSION_KEY] = links
    return registration


@dataclass(frozen=True)
class HeldLinks:
    """What the links a session was opened through still open."""
    by_convening: dict[int, Registration] = field(default_factory=dict)
    # The session's links that no longer hold: registration id -> why (JoinLinkError's message).
    ended: dict[str, str] = field(default_factory=dict)
    # Convening id of each ended link whose registration still exists (to say "revoked" there).
    ended_in: dict[int, str] = field(default_factory=dict)

    def refusal(self, convening_id: int) -> str | None:
        """Why this session may not act in the convening, or None when one of its links holds."""
        if convening_id in self.by_convening:
            return None
        return self.ended_in.get(convening_id, ELSEWHERE)


def is_link_session(session: Mapping[str, Any]) -> bool:
    return SESSION_KEY in session


def held(session: Mapping[str, Any], user: AbstractBaseUser | AnonymousUser,
         now: dt.datetime | None = None) -> HeldLinks:
    """Check again every link a session was opened through (one query)."""
    now = now or current_time()
    stored = session.get(SESSION_KEY)
    stored = stored if isinstance(stored, dict) else {}
    result = HeldLinks()
    payloads = {}
    for key, payload in stored.items():
        if _well_formed(payload):
            payloads[key] = payload
        else:
            result.ended[key] = NOT_VALID
    registrations = _registrations([payload["r"] for payload in payloads.values()])
    for key, payload in payloads.items():
        registration = registrations.get(payload["r"])
        try:
            check(payload, registration, now)
            if registration is None or registration.participant.user_id != user.pk:
                raise JoinLinkError(NOT_VALID)  # someone else's link: login() never mixes them
        except JoinLinkError as exc:
            result.ended[key] = str(exc)
            if registration is not None:
                result.ended_in[registration.convening_id] = str(exc)
            continue
        result.by_convening[registration.convening_id] = registration
    return result


def forget_ended(session: MutableMapping[str, Any], links: HeldLinks) -> None:
    """Drop the links that no longer hold from the session (they never come back)."""
    if links.ended:
        stored = session.get(SESSION_KEY)
        stored = stored if isinstance(stored, dict) else {}
        session[SESSION_KEY] = {k: v for k, v in stored.items() if k not in links.ended}
        logger.info("join-link session: links ended (%s)", ", ".join(sorted(set(links.ended.values()))))
