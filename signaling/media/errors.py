"""Errors raised by the media server.

Every rejection carries a stable machine-readable ``code`` so the websocket
layer can forward it to the client without parsing messages.
"""

from __future__ import annotations

# Error codes. Kept as plain strings: they travel over the wire unchanged.
SDP_TOO_LARGE = "sdp_too_large"
MALFORMED_SDP = "malformed_sdp"
NO_MEDIA = "no_media"
UNSUPPORTED_MEDIA = "unsupported_media"
BUNDLE_REQUIRED = "bundle_required"
MLINE_MISMATCH = "mline_mismatch"
NO_COMMON_CODEC = "no_common_codec"
TOO_MANY_TRACKS = "too_many_tracks"
BAD_TRACK_LABEL = "bad_track_label"
WRONG_STATE = "wrong_state"
GLARE = "glare"
NEGOTIATION_FAILED = "negotiation_failed"
UNKNOWN_PARTICIPANT = "unknown_participant"
ALREADY_JOINED = "already_joined"
BAD_REQUEST = "bad_request"
BAD_CANDIDATE = "bad_candidate"
CONNECTION_FAILED = "connection_failed"
SERVER_CLOSED = "server_closed"
MEDIA_UNAVAILABLE = "media_unavailable"  # no media worker answers (worker mode)


class MediaError(Exception):
    """A request the media server refuses; ``code`` is one of the constants above."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
