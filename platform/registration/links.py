"""Signed cancel links, carried by every confirmation email.

A link names one registration and when it stops working (the end of the convening), signed
with the site's SECRET_KEY: a forged or altered link fails the signature, an old one says it
expired. Opening it shows a page; only that page's POST cancels (mail scanners and link
previews fetch links, and must not cancel anyone).
"""
from __future__ import annotations

import datetime as dt

from django.core import signing
from django.urls import reverse

from convenings.models import Registration

SALT = "convene.registration.cancel"
FORGED = "This cancel link is not valid. Check that you copied all of it, or use the link in your latest email."
EXPIRED = "This cancel link has expired: the convening is over."
GONE = "This registration no longer exists."


class CancelLinkError(Exception):
    """A cancel link that cannot be used; the message is shown to the person."""


def cancel_token(registration: Registration) -> str:
    expires = int(registration.convening.ends_at.timestamp())
    return signing.dumps({"r": registration.pk, "e": expires}, salt=SALT)


def registration_for(token: str, now: dt.datetime) -> Registration:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise CancelLinkError(FORGED) from exc
    if not (isinstance(data, dict) and isinstance(data.get("r"), int) and isinstance(data.get("e"), int)):
        raise CancelLinkError(FORGED)
    if data["e"] <= now.timestamp():
        raise CancelLinkError(EXPIRED)
    registration = (Registration.objects.select_related("convening", "participant__user")
                    .filter(pk=data["r"]).first())
    if registration is None:
        raise CancelLinkError(GONE)
    return registration


def invitation_path(registration: Registration, join_token: str) -> str:
    """The register page for an invited person (invitation-only convenings): their join link's
    token is their invitation. For the invitation email."""
    return reverse("registration:register", kwargs={"slug": registration.convening.slug}) + f"?invite={join_token}"
