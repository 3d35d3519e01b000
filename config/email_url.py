"""``EMAIL_URL`` → Django's email settings (one URL, like ``DATABASE_URL``).

    smtp://user:pass@host:587?tls=1        STARTTLS (also ``?starttls``, or ``smtp+tls://``)
    smtp+ssl://user:pass@host:465          TLS from the first byte (also ``smtps://``, ``?ssl=1``)
    smtp://host:25?timeout=10              seconds to wait for the server (default 20)
    console://                             print messages to the log
    file:///var/lib/convene/mail           one file per message, in that folder
    locmem://                              kept in memory (tests)

User and password may be percent-encoded (``p%40ss`` for ``p@ss``). Thirty lines, so no
dependency: the parsers on PyPI do the same and are less maintained than this is read.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_TRUE = {"", "1", "true", "yes", "on"}  # "?starttls" alone turns it on
DEFAULT_TIMEOUT_S = 20


def email_settings(url: str) -> dict[str, Any]:
    """The EMAIL_* settings an URL stands for; ImproperlyConfigured naming what is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    base, _, variant = scheme.partition("+")
    if scheme == "smtps":
        base, variant = "smtp", "ssl"
    if base not in _BACKENDS or variant not in {"", "ssl", "tls"} or (variant and base != "smtp"):
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {parts.scheme!r} "
                                   "(smtp, smtp+tls, smtp+ssl, console, file, locmem).")
    result: dict[str, Any] = {"EMAIL_BACKEND": _BACKENDS[base]}
    if base == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL: file:// needs a folder, e.g. file:///var/lib/convene/mail")
        result["EMAIL_FILE_PATH"] = unquote(parts.path)
    if base != "smtp":
        return result
    query = {k.lower(): v[-1].strip().lower() for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    ssl = variant == "ssl" or query.get("ssl") in _TRUE
    tls = variant == "tls" or query.get("tls") in _TRUE or query.get("starttls") in _TRUE
    if ssl and tls:
        raise ImproperlyConfigured("EMAIL_URL: choose TLS from the start (ssl) or STARTTLS (tls), not both.")
    try:
        port = parts.port or (465 if ssl else 587 if tls else 25)
        timeout = float(query.get("timeout") or DEFAULT_TIMEOUT_S)
    except ValueError as exc:
        raise ImproperlyConfigured(f"EMAIL_URL: {exc}") from None
    if not parts.hostname or timeout <= 0:
        raise ImproperlyConfigured("EMAIL_URL: an SMTP URL needs a host (and a positive timeout).")
    result.update({
        "EMAIL_HOST": parts.hostname, "EMAIL_PORT": port, "EMAIL_USE_SSL": ssl, "EMAIL_USE_TLS": tls,
        "EMAIL_HOST_USER": unquote(parts.username or ""), "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_TIMEOUT": timeout,
    })
    return result
