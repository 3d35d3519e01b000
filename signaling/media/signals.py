"""Messages the media server pushes to a participant (via its ``send`` callback)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SignalKind = Literal["offer", "error", "tracks", "video_paused", "layers"]
TrackLabel = Literal["camera", "microphone", "screen"]
TRACK_LABELS: frozenset[str] = frozenset({"camera", "microphone", "screen"})


@dataclass(frozen=True)
class TrackInfo:
    """Which participant's media arrives on a given m-line of the receiver's pc."""

    mid: str
    participant_id: str
    label: str  # "camera" | "microphone" | "screen"
    kind: str  # "audio" | "video"


@dataclass(frozen=True)
class SignalOut:
    """One outgoing signaling message.

    kind="offer":  ``sdp`` is a server-initiated renegotiation offer; answer it
                   with ``MediaServer.handle_answer``. ``tracks`` describes the
                   m-lines as they will be once the offer is applied.
    kind="tracks": the mapping mid -> participant changed without an SDP change
                   (a recycled m-line now carries someone else's media).
    kind="video_paused": ``paused`` says whether the participant's incoming video is held
                   back because their connection cannot carry it (audio keeps flowing).
    kind="layers": ``active`` lists the participant's camera layers (mids) anyone needs:
                   the others may stop sending (``media.layers``).
    kind="error":  asynchronous failure (``code``/``message``), e.g. the
                   connection failed and the participant was removed.
    """

    kind: SignalKind
    sdp: str | None = None
    tracks: tuple[TrackInfo, ...] = ()
    space_id: str | None = None
    code: str | None = None
    message: str | None = None
    paused: bool | None = None
    active: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the transport layer."""
        data = asdict(self)
        data["tracks"] = [asdict(t) for t in self.tracks]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignalOut:
        tracks = tuple(TrackInfo(**t) for t in data.get("tracks", ()))
        return cls(**{**data, "tracks": tracks, "active": tuple(data.get("active", ()))})
