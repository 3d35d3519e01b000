"""Convene settings: safe embedded defaults, every knob an environment variable.

With nothing configured, Convene runs in one process on SQLite (``var/``), the
in-memory channel layer and an in-process media server. ``DATABASE_URL``
switches to PostgreSQL and ``REDIS_URL`` to channels-redis, so many daphne
workers on many machines share one live state. See README "Configuration".
"""
from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, ice_servers
from config.paths import BASE_DIR, add_platform_to_path

add_platform_to_path()

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORT = env_int("PORT", 8000)
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "convenings",
    "people",
    "surveys",
    "action_items",
    "reports",
    "rooms",
    "signaling",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives here
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'convene.sqlite3'}",
        conn_max_age=0,
    ),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several daphne processes may share one SQLite file in development and
    # tests: wait for a lock instead of failing, and let readers run during writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("CHANNEL_PREFIX", "convene"),
                "capacity": 1000,
                "expiry": 60,
            },
        },
    }
else:
    # One process: Channels' in-memory layer, minus its O(N²) fan-out (signaling/layers.py;
    # the stock class loses messages with a thousand people in the plenary).
    CHANNEL_LAYERS = {"default": {"BACKEND": "signaling.layers.LocalChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Personal join links: how long a freshly issued link stays valid.
JOIN_LINK_MAX_AGE_DAYS = env_int("JOIN_LINK_MAX_AGE_DAYS", 30)

# Media (WebRTC): ICE servers handed to browsers and the media server, and the
# addresses the media server offers as host candidates.
ICE_SERVERS = ice_servers()
MEDIA_HOST_ADDRESSES = env_list("MEDIA_HOST_ADDRESSES", "127.0.0.1")
MEDIA_WORKERS = env_bool("MEDIA_WORKERS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # aioice logs every ICE check of every media connection at INFO.
    "loggers": {"django.channels.server": {"level": "WARNING"}, "aioice": {"level": "WARNING"}},
}

# ---- Live plenary (signaling app) ----------------------------------------------------
# Each worker refreshes its connections' presence rows every PRESENCE_HEARTBEAT_S; rows
# not refreshed for PRESENCE_TIMEOUT_S belong to a dead worker and are swept, so people
# on a killed worker leave everyone's roster within roughly the timeout.
PRESENCE_HEARTBEAT_S = float(env_str("PRESENCE_HEARTBEAT_S") or 5)
PRESENCE_TIMEOUT_S = float(env_str("PRESENCE_TIMEOUT_S") or 15)
# Per-connection limits, each with its own error code in the protocol (docs/protocol.md).
WS_MAX_MESSAGE_BYTES = env_int("WS_MAX_MESSAGE_BYTES", 64 * 1024)
CHAT_MAX_CHARS = env_int("CHAT_MAX_CHARS", 2000)
# Token bucket per participant per worker: RATE_LIMIT_BURST messages at once, refilled
# at RATE_LIMIT_PER_S (20 and 2/s: a burst of 20, then 20 per 10 s).
RATE_LIMIT_BURST = env_int("RATE_LIMIT_BURST", 20)
RATE_LIMIT_PER_S = float(env_str("RATE_LIMIT_PER_S") or 2)
# Channel layer class, overriding the default above (same CONFIG). With a thousand people in
# one plenary the stock layers' cost per fan-out grows faster than N; the faster ones
# (docs/benchmarks.md "Plenary fan-out"):
#   with REDIS_URL:    channels_redis.pubsub.RedisPubSubChannelLayer
#   without REDIS_URL: signaling.layers.LocalChannelLayer (now the default)
CHANNEL_LAYER_BACKEND = env_str("CHANNEL_LAYER_BACKEND")
if CHANNEL_LAYER_BACKEND:
    CHANNEL_LAYERS["default"]["BACKEND"] = CHANNEL_LAYER_BACKEND
