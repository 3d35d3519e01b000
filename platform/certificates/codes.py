"""Verification codes: random, unguessable, and easy to read aloud or type from paper.

Crockford's base32 (no I, L, O or U), 12 characters: 60 random bits. With a hundred
thousand certificates issued, one guess finds one with a chance of about 1 in 10^13, so
guessing is hopeless even before the verification page's light per-address limit.
People typing a code from paper may write O for 0, I or L for 1, lower case, spaces or
dashes; :func:`normalize` reads all of those.
"""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(typed: str) -> str | None:
    """The code someone typed, or None if it cannot be one (too long, wrong characters)."""
    if len(typed) > 3 * LENGTH:  # bounds the work for junk input
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -").translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def grouped(code: str) -> str:
    """As printed: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
