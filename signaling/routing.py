"""Websocket routes: one live connection per participant per convening."""
from __future__ import annotations

from django.urls import URLPattern, path

from signaling.consumers import ConveningConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/convenings/<slug:slug>/", ConveningConsumer.as_asgi(), name="convening-live"),
]
