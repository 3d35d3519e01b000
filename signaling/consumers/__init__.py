"""Websocket consumers of the live convening (see convening.py)."""
from __future__ import annotations

from signaling.consumers.convening import ConveningConsumer

__all__ = ["ConveningConsumer"]
