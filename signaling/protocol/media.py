"""Media family: WebRTC signaling with the media server (a forwarding SFU), over the
convening websocket.

One RTCPeerConnection per websocket connection. The client makes the first offer
(``media.offer`` with ``initial: true``); the server answers (``media.server_answer``) and later
re-offers on its own (``media.server_offer``) whenever what you receive changes —
someone joins your space, you are moved, the stage changes. The server is the *impolite*
peer: a client offer made while a server offer is outstanding gets ``error`` ``glare``; the
client rolls back, answers the server's offer, then offers again. Every media error is an
``error`` whose code is one of the media codes (``malformed_sdp``, ``no_common_codec``…);
for all but ``glare``, ``bad_candidate`` and ``forbidden`` the server has closed this
connection's media (the websocket stays open): start over with ``initial: true``.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from signaling.protocol.base import WHOLE_UNICODE, ClientMessage, Id, ServerMessage, examples, register

FAMILY = "media"
# An SDP must fit a websocket frame (max_message_bytes, 64 KiB by default) with its envelope.
MAX_SDP_CHARS = 60_000
MAX_TRACKS = 8
MAX_LAYERS = 3  # simulcast layers of one camera (one sendonly video m-line each)
Sdp = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SDP_CHARS), WHOLE_UNICODE]
Mid = Annotated[str, StringConstraints(min_length=1, max_length=32), WHOLE_UNICODE]
Label = Literal["camera", "microphone", "screen"]
ParticipantId = Id
_SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n…"
_TRACK = {"mid": "2", "participant_id": 7, "label": "camera", "kind": "video"}


class TrackOut(BaseModel):
    """Whose media arrives on one m-line (``mid``) of your connection."""
    model_config = ConfigDict(extra="forbid")
    mid: str
    participant_id: int = Field(description="the roster participant whose track this is")
    label: Label
    kind: Literal["audio", "video"]


class LayerSpec(BaseModel):
    """One simulcast layer of your camera: its place among the layers (``rank`` 0 is the
    lowest) and the height in pixels it is sent at."""
    model_config = ConfigDict(extra="forbid", strict=True)
    rank: Annotated[int, Field(ge=0, le=2)]
    height: Annotated[int, Field(ge=1, le=4320)]


class IceCandidate(BaseModel):
    """A browser's ``RTCIceCandidate.toJSON()``."""
    model_config = ConfigDict(extra="forbid", strict=True)
    candidate: Annotated[str, StringConstraints(max_length=1024), WHOLE_UNICODE]
    sdpMid: Mid | None = None  # noqa: N815 — the browser's own field names
    sdpMLineIndex: Annotated[int, Field(ge=0, le=127)] | None = None  # noqa: N815
    usernameFragment: Annotated[str, StringConstraints(max_length=256), WHOLE_UNICODE] | None = None  # noqa: N815

    def as_init(self) -> dict[str, Any]:
        return self.model_dump()


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class MediaOffer(ClientMessage):
    """Your offer. ``initial: true`` for the first offer of a new RTCPeerConnection (joins
    media in your space, replacing any earlier connection); later offers add or remove your
    tracks. ``tracks`` labels the m-lines you send (by mid). To only watch and listen, offer
    m-lines that send nothing (``recvonly``, e.g. ``addTransceiver("video", {direction:
    "recvonly"})``) with no ``tracks``: you get the server's answer and then its offers of what
    you receive, as anyone. Sharing a screen needs the ``share_screen`` permission (or a
    moderator's ``media.allow_screen`` in a breakout room): otherwise ``forbidden``.

    Simulcast: send your camera as up to three layers, one sendonly video m-line each (a scaled
    clone of the camera track on each), every one labelled ``camera`` in ``tracks`` and
    described in ``layers`` (by mid; ranks distinct, rank 0 the lowest). A camera with no
    ``layers`` is one layer. Screen shares are always one layer. The server forwards to each
    person the layer that fits their connection and tile, and tells you with ``media.layers``
    which layers anyone needs."""
    model_config = examples({"type": "media.offer", "id": "m1", "sdp": _SDP, "initial": True,
                             "tracks": {"0": "microphone", "1": "camera", "2": "camera", "3": "camera"},
                             "layers": {"1": {"rank": 0, "height": 180}, "2": {"rank": 1, "height": 360},
                                        "3": {"rank": 2, "height": 720}}})
    answer: ClassVar[str] = "media.server_answer"
    answers_later: ClassVar[bool] = True  # by the connection's media session, in order
    type: Literal["media.offer"] = "media.offer"
    sdp: Sdp
    tracks: dict[Mid, Label] = Field(default_factory=dict, max_length=MAX_TRACKS, description="by mid")
    initial: bool = False
    layers: dict[Mid, LayerSpec] = Field(default_factory=dict, max_length=MAX_LAYERS,
                                         description="simulcast layers of your camera, by mid")

    @model_validator(mode="after")
    def _layers_are_cameras(self) -> MediaOffer:
        if any(self.tracks.get(mid) != "camera" for mid in self.layers):
            raise ValueError("every mid in layers must be labelled camera in tracks")
        if len({spec.rank for spec in self.layers.values()}) != len(self.layers):
            raise ValueError("layer ranks must be distinct")
        return self


@register(FAMILY)
class MediaAnswer(ClientMessage):
    """Your answer to the server's latest ``media.server_offer``."""
    model_config = examples({"type": "media.answer", "id": "m2", "sdp": _SDP})
    answers_later: ClassVar[bool] = True
    type: Literal["media.answer"] = "media.answer"
    sdp: Sdp


@register(FAMILY)
class MediaIce(ClientMessage):
    """A trickled ICE candidate of your connection; ``null`` ends your candidates."""
    model_config = examples({"type": "media.ice", "candidate": {
        "candidate": "candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host", "sdpMid": "0",
        "sdpMLineIndex": 0}})
    answers_later: ClassVar[bool] = True
    type: Literal["media.ice"] = "media.ice"
    candidate: IceCandidate | None = None


@register(FAMILY)
class MediaVisible(ClientMessage):
    """Which of the videos you receive are off your screen (by mid: tiles scrolled away, a
    collapsed grid, a hidden tab): the server sends none on them until a later
    ``media.visible`` no longer lists them (the full list each time; ``[]`` = all on screen).
    A mid that starts carrying someone else's video (``media.tracks``) is on screen again
    until you say otherwise. ``sizes`` gives, for videos on screen, their rendered height in
    device pixels (CSS height × devicePixelRatio, rounded): the server sends the smallest
    layer at least that tall (as far as your connection carries it); a mid without a size
    counts as large."""
    model_config = examples({"type": "media.visible", "hidden": ["3", "5"], "sizes": {"2": 180, "4": 720}})
    answers_later: ClassVar[bool] = True
    type: Literal["media.visible"] = "media.visible"
    hidden: list[Mid] = Field(default_factory=list, max_length=100, description="mids of video off screen")
    sizes: dict[Mid, Annotated[int, Field(ge=0, le=8640)]] = Field(
        default_factory=dict, max_length=100, description="rendered height in device pixels, by mid")


@register(FAMILY)
class MediaLeave(ClientMessage):
    """Stop media for this connection (the websocket stays). Closing the websocket does it too."""
    model_config = examples({"type": "media.leave"})
    answers_later: ClassVar[bool] = True
    type: Literal["media.leave"] = "media.leave"


@register(FAMILY)
class MediaAllowScreen(ClientMessage):
    """Moderators: let a participant share their screen inside breakout rooms (or stop
    letting them). In the plenary only presenters and moderators share. Someone not registered
    for the convening: ``not_found``."""
    model_config = examples({"type": "media.allow_screen", "participant_id": 7, "allowed": True})
    type: Literal["media.allow_screen"] = "media.allow_screen"
    participant_id: ParticipantId
    allowed: bool = True


@register(FAMILY)
class MediaDiagnose(ClientMessage):
    """Moderators: the media servers' counters (``media.diagnostics``), for operators."""
    model_config = examples({"type": "media.diagnose", "id": "d1"})
    answer: ClassVar[str] = "media.diagnostics"
    type: Literal["media.diagnose"] = "media.diagnose"


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class MediaServerAnswer(ServerMessage):
    """The answer to your offer (``ref`` is its ``id``)."""
    model_config = examples({"type": "media.server_answer", "sdp": _SDP, "ref": "m1"})
    type: Literal["media.server_answer"] = "media.server_answer"
    sdp: str
    ref: str | None = None


@register(FAMILY)
class MediaServerOffer(ServerMessage):
    """The server renegotiates: answer with ``media.answer``. ``tracks`` is the full list of
    what you receive once applied (label your tiles with it)."""
    model_config = examples({"type": "media.server_offer", "sdp": _SDP, "tracks": [_TRACK], "space": "plenary"})
    type: Literal["media.server_offer"] = "media.server_offer"
    sdp: str
    tracks: list[TrackOut]
    space: str


@register(FAMILY)
class MediaTracks(ServerMessage):
    """What you receive changed without an SDP change (a reused m-line now carries someone
    else's track): the full list, as in ``media.server_offer``."""
    model_config = examples({"type": "media.tracks", "tracks": [_TRACK], "space": "room-3"})
    type: Literal["media.tracks"] = "media.tracks"
    tracks: list[TrackOut]
    space: str


@register(FAMILY)
class MediaReconnect(ServerMessage):
    """Your media must move to another media server (e.g. you were moved to a room served by
    another media worker): close your RTCPeerConnection and start over with an ``initial``
    offer. Nothing else about your connection changes."""
    model_config = examples({"type": "media.reconnect", "reason": "moved"})
    type: Literal["media.reconnect"] = "media.reconnect"
    reason: Literal["moved", "worker_lost"] = Field(
        description="why: `moved` to a space another media worker serves; `worker_lost`: your media "
                    "worker stopped answering (another one takes you)")


@register(FAMILY)
class MediaScreenAllowed(ServerMessage):
    """A moderator let you share your screen in breakout rooms (or stopped letting you)."""
    model_config = examples({"type": "media.screen_allowed", "allowed": True})
    type: Literal["media.screen_allowed"] = "media.screen_allowed"
    allowed: bool


@register(FAMILY)
class MediaDiagnostics(ServerMessage):
    """Counters of each media server (``in-process`` or the media workers by name)."""
    model_config = examples({"type": "media.diagnostics", "ref": "d1", "sessions": 1,
                             "servers": {"in-process": {"peers": 1, "spaces": 1, "tasks_alive": 1}}})
    type: Literal["media.diagnostics"] = "media.diagnostics"
    sessions: int = Field(description="media sessions of connections on this web worker")
    servers: dict[str, dict[str, Any]]
    ref: str | None = None


@register(FAMILY)
class MediaVideoPaused(ServerMessage):
    """Your connection cannot carry the video you receive (the server saw congestion in your
    connection's own feedback): video to you is paused, audio keeps flowing — show "video
    paused — weak connection". ``paused: false`` when it comes back (the server tries again
    on its own, less often while the connection stays weak)."""
    model_config = examples({"type": "media.video_paused", "paused": True, "reason": "weak_connection"})
    type: Literal["media.video_paused"] = "media.video_paused"
    paused: bool
    reason: Literal["weak_connection"] = "weak_connection"


@register(FAMILY)
class MediaLayers(ServerMessage):
    """Which simulcast layers of your camera (by mid) anyone currently needs: send these
    (``sender.setParameters`` with ``encodings: [{active: true}]``) and pause the others
    (``active: false``), so your uplink carries only what is watched. Sent when the set
    changes. You may pause more on your own while your uplink is weak; this is the upper bound."""
    model_config = examples({"type": "media.layers", "active": ["1", "2"]})
    type: Literal["media.layers"] = "media.layers"
    active: list[str] = Field(description="mids of your camera's layers to keep sending")
