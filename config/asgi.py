"""ASGI entry point: daphne serves HTTP and websockets from here."""
from __future__ import annotations

import os

from config.paths import add_platform_to_path

add_platform_to_path()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.health import health_first  # noqa: E402
from config.origins import BrowserOriginValidator  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from signaling.auth import SessionUserStack  # noqa: E402
from signaling.worker import mail_started_by_requests  # noqa: E402

application = ProtocolTypeRouter({
    # /healthz answers even while the database hangs; any request starts the email rounds.
    "http": mail_started_by_requests(health_first(django_asgi_app)),
    # The session's user is read when the connection is admitted, not before its handshake
    # (signaling/auth.py: a handshake queued behind a burst of joins timed out).
    "websocket": BrowserOriginValidator(SessionUserStack(URLRouter(websocket_urlpatterns))),
})
