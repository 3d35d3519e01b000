"""Media server core: a forwarding SFU on aiortc (no transcoding)."""

from .errors import MediaError
from .server import MediaServer
from .signals import SignalOut, TrackInfo

__all__ = ["MediaError", "MediaServer", "SignalOut", "TrackInfo"]
