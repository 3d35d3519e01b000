"""Personal join links: signed, expiring, revocable.

A link carries the registration id and its current nonce, signed with the
site's SECRET_KEY. It is valid while the signature checks, the nonce still
matches (revoking rotates it) and the registration's expiry has not passed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from convenings.models import Registration, new_join_nonce

SALT = "convene.join-link"


class JoinLinkError(Exception):
    """A join link that cannot be used; the message is shown to the person."""


@dataclass(frozen=True)
class JoinLink:
    registration: Registration
    token: str

    @property
    def path(self) -> str:
        return reverse("join", kwargs={"token": self.token})


def issue(registration: Registration, *, valid_for: dt.timedelta | None = None) -> JoinLink:
    """Return a join link, giving the registration an expiry if it has none."""
    if registration.join_expires_at is None or valid_for is not None:
        days = dt.timedelta(days=settings.JOIN_LINK_MAX_AGE_DAYS)
        registration.join_expires_at = timezone.now() + (valid_for or days)
        registration.save(update_fields=["join_expires_at"])
    token = signing.dumps({"r": registration.pk, "n": registration.join_nonce}, salt=SALT)
    return JoinLink(registration, token)


def revoke(registration: Registration) -> None:
    registration.join_nonce = new_join_nonce()
    registration.save(update_fields=["join_nonce"])


def resolve(token: str) -> Registration:
    """The registration a token stands for, or JoinLinkError saying why not."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise JoinLinkError("This join link is not valid. Check that you copied all of it.") from exc
    registration = (
        Registration.objects.select_related("participant__user", "convening")
        .filter(pk=data.get("r"))
        .first()
    )
    if registration is None or registration.join_nonce != data.get("n"):
        raise JoinLinkError("This join link has been revoked. Ask the organizers for a new one.")
    if registration.join_expires_at and registration.join_expires_at < timezone.now():
        raise JoinLinkError("This join link has expired. Ask the organizers for a new one.")
    return registration
