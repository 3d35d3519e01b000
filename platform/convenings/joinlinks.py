"""Personal join links: signed, expiring, revocable — for participants only.

A link carries the registration id, its current nonce and its own expiry,
all signed with the site's SECRET_KEY. It is valid while the signature checks,
its expiry has not passed, the nonce still matches (revoking rotates it), the
registration's expiry has not passed and the account may use join links.

Staff, superusers and deactivated accounts never get in by link: a link is a
password-less bearer credential, and staff sign in with their password.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from convenings.models import Registration, new_join_nonce

SALT = "convene.join-link"

NOT_VALID = "This join link is not valid. Check that you copied all of it."
EXPIRED = "This join link has expired. Ask the organizers for a new one."
REVOKED = "This join link has been revoked. Ask the organizers for a new one."
# What the person opening the link reads, and what an organizer issuing one reads.
_REFUSED = {
    "inactive": ("This account has been deactivated, so its join link no longer works. "
                 "Ask the organizers if you think this is a mistake.",
                 "the account is deactivated"),
    "staff": ("Join links are for participants. Staff accounts sign in with their username and password.",
              "staff accounts sign in with their password"),
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


def _refusal(user: AbstractBaseUser) -> str | None:
    """Which rule keeps this account from using join links, or None when it may."""
    if not user.is_active:
        return "inactive"
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return "staff"
    return None


def eligible() -> Q:
    """``_refusal`` as a query: the registrations whose person may use join links."""
    return Q(participant__user__is_active=True, participant__user__is_staff=False,
             participant__user__is_superuser=False)


def why_not_issued(registration: Registration) -> str | None:
    """For organizers: why no link can be issued for this registration, or None."""
    refusal = _refusal(registration.participant.user)
    return _REFUSED[refusal][1] if refusal else None


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


def revoke(registration: Registration) -> None:
    registration.join_nonce = new_join_nonce()
    registration.save(update_fields=["join_nonce"])


def _payload(token: str) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise JoinLinkError(NOT_VALID) from exc
    # Signed by us, but check the shape anyway: a link from an older or newer version.
    if (not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("n"), str)
            or not isinstance(data.get("e", 0), int)):
        raise JoinLinkError(NOT_VALID)
    return data


def resolve(token: str, *, now: dt.datetime | None = None) -> Registration:
    """The registration a token stands for, or JoinLinkError saying why not."""
    now = now or timezone.now()
    data = _payload(token)
    # Links issued before expiries were signed in carry none; the registration's still applies.
    if "e" in data and data["e"] <= now.timestamp():
        raise JoinLinkError(EXPIRED)
    registration = (
        Registration.objects.select_related("participant__user", "convening")
        .filter(pk=data["r"])
        .first()
    )
    if registration is None or registration.join_nonce != data["n"]:
        raise JoinLinkError(REVOKED)
    if registration.join_expires_at and registration.join_expires_at <= now:
        raise JoinLinkError(EXPIRED)
    refusal = _refusal(registration.participant.user)
    if refusal:
        raise JoinLinkError(_REFUSED[refusal][0])
    return registration
