"""Websocket URL routes: the signaling app owns them."""
from __future__ import annotations

from signaling.routing import websocket_urlpatterns

__all__ = ["websocket_urlpatterns"]
