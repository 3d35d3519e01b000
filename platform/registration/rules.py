"""The rules of registering, as plain functions (no database, no Django request).

Views and services ask these; tests call them directly.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

REGISTERED = "registered"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"

OPEN = "open"
INVITATION = "invitation"
CLOSED = "closed"

# Well-known throwaway-address services. Not exhaustive (new ones appear weekly): it stops
# the obvious "I'll just use a mailinator address", which would lose the person their
# confirmation, join link and certificate. Subdomains count too (x.mailinator.com).
DISPOSABLE_DOMAINS = frozenset({
    "mailinator.com", "guerrillamail.com", "guerrillamail.net", "guerrillamail.org", "guerrillamailblock.com",
    "sharklasers.com", "grr.la", "10minutemail.com", "10minutemail.net", "tempmail.com", "temp-mail.org",
    "tempmail.net", "tempmailo.com", "throwawaymail.com", "yopmail.com", "yopmail.net", "yopmail.fr",
    "trashmail.com", "trashmail.de", "getnada.com", "nada.email", "dispostable.com", "maildrop.cc",
    "mailnesia.com", "mintemail.com", "fakeinbox.com", "spamgourmet.com", "discard.email", "emailondeck.com",
    "mohmal.com", "burnermail.io", "mailcatch.com", "mytemp.email", "tempr.email", "spam4.me",
    "getairmail.com", "moakt.com", "emailfake.com", "tempinbox.com", "mailpoof.com", "33mail.com",
    "inboxkitten.com", "tmpmail.org", "tmpmail.net", "minuteinbox.com", "dropmail.me", "1secmail.com",
})

DISPOSABLE_MESSAGE = ("{domain} gives out throwaway addresses, which stop working before the convening. "
                      "Use an address you will still read: your confirmation, join link and certificate go there.")


def disposable_domain(email: str) -> str | None:
    """The throwaway service an address belongs to, or None."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    parts = domain.split(".")
    for start in range(len(parts) - 1):
        candidate = ".".join(parts[start:])
        if candidate in DISPOSABLE_DOMAINS:
            return candidate
    return None


def closed_reason(mode: str, closes_at: dt.datetime | None, ends_at: dt.datetime, now: dt.datetime,
                  tz: dt.tzinfo = dt.UTC) -> str | None:
    """Why registration is closed now, in the words shown to the person; None while it is open."""
    if mode == CLOSED:
        return "Registration for this convening is not open. Ask the organizers if you expected it to be."
    if now >= ends_at:
        return "This convening has ended, so registration is closed."
    if closes_at is not None and now >= closes_at:
        closes = closes_at.astimezone(tz)
        return (f"Registration for this convening closed on {closes:%A %B} {closes.day}, {closes.year} "
                f"at {closes:%I:%M %p %Z}. Ask the organizers if you still hope to attend.")
    return None


def new_status(current: str | None, registered_count: int, capacity: int | None) -> str:
    """Where a person lands when they register (again).

    ``current``: their status before (None: not registered yet). Someone already holding a
    place keeps it (registering again only updates their details); someone waitlisted stays
    in their place in the line; anyone else gets a place while one is free, else the waitlist.
    ``registered_count`` counts the places taken (not counting this person).
    """
    if current in (REGISTERED, WAITLISTED):
        return current
    if capacity is None or registered_count < capacity:
        return REGISTERED
    return WAITLISTED


def free_places(registered_count: int, capacity: int | None, waiting: int) -> int:
    """How many waitlisted people to promote now."""
    if capacity is None:
        return waiting
    return max(0, min(waiting, capacity - registered_count))


def over_limit(attempts: int, limit: int) -> bool:
    """A flood: more registration attempts from one address in the window than the limit."""
    return attempts > limit


def interests_after(current: Sequence[int], convening_topics: Sequence[int], chosen: Sequence[int]) -> set[int]:
    """A person's interests after registering: their choices among this convening's topics
    replace what they had among them; interests in other topics are kept."""
    own = set(convening_topics)
    return {t for t in current if t not in own} | (set(chosen) & own)
