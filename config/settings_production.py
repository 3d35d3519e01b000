"""Production settings: the base settings with every deploy check satisfied.

DEBUG is off here whatever the environment says (a stray DEBUG=true must not
turn on tracebacks or the development SECRET_KEY), and the settings refuse to
start without SECRET_KEY. TLS is terminated in front of the reverse proxy,
which passes X-Forwarded-Proto on (deploy/nginx.conf).
"""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

# Forced, not defaulted: the base settings only fall back to the development key while
# DEBUG is on, so DEBUG must already be off when they are read.
os.environ["DEBUG"] = "false"
if not env_str("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set for production (config.settings_production).")

from config.settings import *  # noqa: E402,F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")  # the environment's key, never the base settings' fallback
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sign-in throttling counts by the address nginx saw, not one a client wrote into X-Forwarded-For.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
