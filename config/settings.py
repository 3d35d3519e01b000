"""Convene settings: safe embedded defaults, every knob an environment variable.

With nothing configured, Convene runs in one process on SQLite (``var/``), the
in-memory channel layer and an in-process media server. ``DATABASE_URL``
switches to PostgreSQL and ``REDIS_URL`` to channels-redis, so many daphne
workers on many machines share one live state. See README "Configuration".
"""
from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.email_url import email_settings
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
    "mail",
    "certificates",
    "organizer",
    "registration",
    "captions",
    "recordings",
    "polls",
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
    # Sessions opened through a join link end when the link is revoked or expires.
    "convenings.middleware.JoinLinkSessionMiddleware",
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
else:
    # A database that accepts connections and never answers held the shared database thread
    # for psycopg's default (no limit of its own: 131 s until the OS gave up), and every page
    # and websocket with it. Connections are opened per request (conn_max_age=0), so this
    # bounds how long one hang blocks: such a websocket is refused with `unavailable`.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT_S", 5)
# How long the websockets' database thread keeps its connection (signaling/db_thread.py); pages
# keep none (conn_max_age=0 above). 0: a new connection for every trip, as pages.
DATABASE_THREAD_CONN_MAX_AGE_S = env_int("DATABASE_THREAD_CONN_MAX_AGE_S", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis's core layer, minus the messages it loses when a connection
            # closes mid-receive (signaling/redis_layer.py).
            "BACKEND": "signaling.redis_layer.RedisChannelLayer",
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
# Registration floods (registration/throttle.py): more attempts than this from one address in the
# window get HTTP 429. Enough for a school office registering its staff from one address.
REGISTRATION_RATE_LIMIT = env_int("REGISTRATION_RATE_LIMIT", 20)
REGISTRATION_RATE_WINDOW_S = env_int("REGISTRATION_RATE_WINDOW_S", 600)

# ---- Email (mail app; docs/email.md) -------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587?tls=1, smtp+ssl://…:465, ?timeout=20, console://,
# file:///path (config/email_url.py). Unset: one file per message under VAR_DIR/mail, so
# `make run` needs no mail server and an organizer can read what was "sent".
# Messages wait in a database outbox and are sent by the workers (or `manage.py send_mail`).
globals().update(email_settings(env_str("EMAIL_URL") or f"file://{VAR_DIR / 'mail'}"))
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM") or env_str("DEFAULT_FROM_EMAIL") or "Convene <convene@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address links in emails start with (no request to read it from when a worker sends).
SITE_URL = (env_str("SITE_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 10)  # 1 min, doubling to 1 h: about 6 hours of retries
MAIL_TICK_S = float(env_str("MAIL_TICK_S") or 5)

# Media (WebRTC): ICE servers handed to browsers and the media server, and the
# addresses the media server offers as host candidates.
ICE_SERVERS = ice_servers()  # STUN, and TURN with a static pair when there is no TURN_SECRET
# TURN_SECRET: coturn's static-auth-secret; every connection then gets its own TURN credential,
# valid TURN_CREDENTIAL_TTL_S from when the live page loads. 12 h: a page opened before the
# first session still reconnects at the end of a long convening day, and a copied credential
# is dead by the next one.
TURN_URLS = env_list("TURN_URLS")
TURN_SECRET = env_str("TURN_SECRET")
TURN_CREDENTIAL_TTL_S = env_int("TURN_CREDENTIAL_TTL_S", 12 * 3600)
if TURN_CREDENTIAL_TTL_S <= 0:
    raise ImproperlyConfigured("TURN_CREDENTIAL_TTL_S must be a positive number of seconds.")
MEDIA_HOST_ADDRESSES = env_list("MEDIA_HOST_ADDRESSES", "127.0.0.1")
# Non-public networks (CIDRs) the media server may send ICE checks to when a client names an
# address in them. Public addresses are always allowed; private, CGNAT, loopback, link-local
# and unique-local ones only if listed (signaling/media/ice.py). Loopback while DEBUG (tests,
# `make run`); nothing in production: the media workers sit on the host network.
MEDIA_ALLOWED_PEER_NETWORKS = env_list("MEDIA_ALLOWED_PEER_NETWORKS", "127.0.0.0/8,::1/128" if DEBUG else "")
for _network in MEDIA_ALLOWED_PEER_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"MEDIA_ALLOWED_PEER_NETWORKS: {_exc}") from None
MEDIA_WORKERS = env_bool("MEDIA_WORKERS", default=False)
# The relay between media workers (signaling/media/cascade.py): the plenary spreads its viewers
# over the workers, and each publication crosses once to every worker with viewers for it. The
# address (of this worker, on the workers' private network) it listens on; empty: no cascading.
MEDIA_RELAY_HOST = env_str("MEDIA_RELAY_HOST") or "127.0.0.1"
# Automatic captions (signaling/media/captioning/). CAPTIONS_AUTOMATIC: caption the plenary's
# stage by default (unset: yes in production, no while developing; moderators turn any space
# on or off). CAPTIONS_MODEL: a faster-whisper model directory the operator provides (and
# installs faster-whisper for); unset, the embedded pocketsphinx engine (no download).
CAPTIONS_AUTOMATIC = env_bool("CAPTIONS_AUTOMATIC") if env_str("CAPTIONS_AUTOMATIC") else None
CAPTIONS_MODEL = env_str("CAPTIONS_MODEL")
# Where the media server's automatic caption lines go (a module with on_line/on_status): the
# media core imports none of Convene's apps, this plugs the convening's captions in.
CAPTION_SINK = "signaling.consumers.automatic_captions"
# Recordings (platform/recordings, signaling/media/recording/). RECORDING_STORAGE_URL: where
# rendered files go (file:///path, default VAR_DIR/recordings; s3://KEY:SECRET@host/bucket);
# RECORDING_SPOOL_DIR: the media server's local disk for raw packets; kept RECORDING_RETENTION_DAYS.
RECORDING_STORAGE_URL = env_str("RECORDING_STORAGE_URL")
RECORDING_SPOOL_DIR = env_str("RECORDING_SPOOL_DIR") or str(VAR_DIR / "recordings" / "raw")
RECORDING_RETENTION_DAYS = env_int("RECORDING_RETENTION_DAYS", 30)

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
# Bytes that may wait unread for one connection (signaling.consumers.backpressure): a client
# that stops reading is closed with 4507 beyond it, and reconnects and catches up with chat.sync.
WS_MAX_QUEUED_BYTES = env_int("WS_MAX_QUEUED_BYTES", 1024 * 1024)
# Channel layer class, overriding the default above (same CONFIG). With a thousand people in
# one plenary the stock layers' cost per fan-out grows faster than N; the faster ones
# (docs/benchmarks.md "Plenary fan-out"):
#   with REDIS_URL:    channels_redis.pubsub.RedisPubSubChannelLayer
#   without REDIS_URL: signaling.layers.LocalChannelLayer (now the default)
CHANNEL_LAYER_BACKEND = env_str("CHANNEL_LAYER_BACKEND")
if CHANNEL_LAYER_BACKEND:
    CHANNEL_LAYERS["default"]["BACKEND"] = CHANNEL_LAYER_BACKEND

# ---- Sign-in throttling (django-axes; config/signin.py) ------------------------------
# SIGNIN_FAILURE_LIMIT wrong passwords for one username from one address pause that
# username's sign-in from that address for SIGNIN_LOCKOUT_MINUTES (the page says how long);
# a successful sign-in clears the count. Per username *and* address: a lockout by address
# alone would let one attacker lock out a whole school behind one NAT address, and one by
# username alone would let anyone lock out any organizer from anywhere. The admin's sign-in
# counts too. TRUSTED_PROXY_HOPS: how many of our own proxies append to X-Forwarded-For
# (nginx in docker compose: 1); the client is that many entries from the right.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes requires
AUTHENTICATION_BACKENDS = ["config.signin.SignInThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the lockout neither counts nor restarts it: the wait the page shows is the real one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.signin.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (to count them); a log of every sign-in is not needed
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lockouts are still logged
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
