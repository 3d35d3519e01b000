"""The envelope every live message shares, the protocol's limits and its error codes.

Message families (one module each in this package: ``plenary.py``, ``breakouts.py``, ``media.py`` …)
define pydantic models on top of :class:`ClientMessage` / :class:`ServerMessage`
and call :func:`register` on them; nothing else needs editing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import IntEnum, StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

PROTOCOL_VERSION = 1
Direction = Literal["client", "server"]


class ErrorCode(StrEnum):
    INVALID_JSON = "invalid_json"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_MESSAGE = "invalid_message"
    TOO_LARGE = "too_large"
    CHAT_TOO_LONG = "chat_too_long"
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    PROTOCOL_VERSION = "protocol_version"
    # Sent just before the server closes a connection it will not serve (close codes
    # 4401/4403/4404/4408/4425), because daphne drops websocket close reasons (daphne#374).
    UNAUTHENTICATED = "unauthenticated"
    EXPIRED = "expired"
    NOT_OPEN_YET = "not_open_yet"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    # Breakouts (signaling/protocol/breakout*.py).
    STALE_PLAN = "stale_plan"
    ROOM_FULL = "room_full"
    ROOM_NOT_OPEN = "room_not_open"
    NOT_IN_ROOM = "not_in_room"
    ILLEGAL_TRANSITION = "illegal_transition"
    NOTES_CONFLICT = "notes_conflict"
    # Media (signaling/protocol/media.py): the media server's own codes (signaling/media/errors.py).
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
    MEDIA_UNAVAILABLE = "media_unavailable"


class CloseCode(IntEnum):
    """Websocket close codes the server uses (for its own 44xx codes an ``error`` message with the
    reason comes first; the 10xx codes are the websocket layer's, with no ``error`` before them)."""

    INVALID_UTF8 = 1007
    MESSAGE_TOO_BIG = 1009
    INTERNAL = 1011
    UNAUTHENTICATED = 4401
    NOT_REGISTERED = 4403
    NO_CONVENING = 4404
    EXPIRED = 4408
    NOT_OPEN_YET = 4425  # after HTTP 425 Too Early
    FLOODED = 4429
    UNAVAILABLE = 4503  # after HTTP 503 Service Unavailable
    TOO_SLOW = 4507


CLOSE_MEANINGS: dict[CloseCode, str] = {
    CloseCode.INVALID_UTF8: "A text frame that is not valid UTF-8 (the websocket layer refuses it).",
    CloseCode.MESSAGE_TOO_BIG: "A frame of 1 MiB or more (the websocket layer's limit; smaller frames over "
                               "`max_message_bytes` get `too_large` and the connection stays).",
    CloseCode.INTERNAL: "A bug on the server while serving the connection; it was logged. Reconnect.",
    CloseCode.UNAUTHENTICATED: "No session and no valid `?join=` token.",
    CloseCode.NOT_REGISTERED: "Signed in, but not registered for this convening.",
    CloseCode.NO_CONVENING: "No convening with that slug.",
    CloseCode.EXPIRED: "The worker's heartbeat lapsed and your presence was swept; reconnect.",
    CloseCode.NOT_OPEN_YET: "A participant before the doors open (15 minutes before the convening starts; "
                            "organizers, moderators and presenters may enter earlier). The `not_open_yet` "
                            "error before it says when; reconnect then.",
    # Flood limits (signaling.consumers.backpressure): no ``error`` first — the client is
    # flooding or not reading; the close frame carries the reason.
    CloseCode.FLOODED: "You kept sending far beyond the rate limit (some 100 messages past it, each refused "
                       "`rate_limited`); reconnect, and send slower.",
    CloseCode.UNAVAILABLE: "The server's database or channel layer (Redis) is not answering, so it could not let "
                           "you in; the `unavailable` error before it says so. Reconnect with backoff.",
    CloseCode.TOO_SLOW: "Messages for you piled up unread (more than `WS_MAX_QUEUED_BYTES`, 1 MiB by default, "
                        "or a `chat.sync` page waited 15 s for you to read): you were dropped; reconnect and "
                        "catch up with `chat.sync`.",
}


ERROR_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.INVALID_JSON: "The frame is not JSON (or is nested absurdly deep).",
    ErrorCode.UNKNOWN_TYPE: "No message type of that name.",
    ErrorCode.INVALID_MESSAGE: "Known type, wrong fields (the message says which), or a binary frame.",
    ErrorCode.TOO_LARGE: "The frame is larger than `max_message_bytes` (frames of 1 MiB or more: close 1009).",
    ErrorCode.CHAT_TOO_LONG: "Chat or broadcast text longer than `chat_max_chars`.",
    ErrorCode.RATE_LIMITED: "More than the token bucket allows; the message was dropped.",
    ErrorCode.FORBIDDEN: "Your convening role does not allow this; nothing changed.",
    ErrorCode.NOT_FOUND: "The space, message, hand or person named is not there.",
    ErrorCode.PROTOCOL_VERSION: "The message's `v` is not this server's version; reload the page.",
    ErrorCode.UNAUTHENTICATED: "Sent before close 4401: sign in with your join link.",
    ErrorCode.EXPIRED: "Sent before close 4408: this worker lost track of you; reconnect.",
    ErrorCode.NOT_OPEN_YET: "Sent before close 4425: the convening is not open to participants yet; the "
                            "message names the opening time and ends with the doors' time in ISO 8601 (UTC).",
    ErrorCode.INTERNAL: "A bug on the server; it was logged and the connection stays open (`ref`: your id).",
    ErrorCode.UNAVAILABLE: "The database or the channel layer (Redis) is not answering, so the server cannot "
                           "let you in now: the connection closes with 4503 next. Reconnect with backoff.",
    ErrorCode.STALE_PLAN: "The breakout plan changed since the version you edited; the current plan follows.",
    ErrorCode.ROOM_FULL: "The breakout room has no free place (its capacity is reached).",
    ErrorCode.ROOM_NOT_OPEN: "The breakout room is not open (draft or closed).",
    ErrorCode.NOT_IN_ROOM: "That person is in the plenary, not a breakout room (or you visit no room).",
    ErrorCode.ILLEGAL_TRANSITION: "The rooms' state does not allow that now; the message names state and event. "
                                  "Polls: the poll is closed, or another is open (the message says which).",
    ErrorCode.NOTES_CONFLICT: "Your notes edit overlaps a newer one; the current text and version follow.",
    # Media: after any of these but glare and bad_candidate your media connection is closed
    # (the websocket stays): start over with an initial media.offer.
    ErrorCode.SDP_TOO_LARGE: "Media: the SDP is larger than the media server accepts.",
    ErrorCode.MALFORMED_SDP: "Media: the SDP does not parse, or lacks ICE/DTLS/rtcp-mux/mid.",
    ErrorCode.NO_MEDIA: "Media: the offer has no m-lines.",
    ErrorCode.UNSUPPORTED_MEDIA: "Media: an m-line is not audio/video, or publishes on a server m-line.",
    ErrorCode.BUNDLE_REQUIRED: "Media: every m-line must be in one BUNDLE group.",
    ErrorCode.MLINE_MISMATCH: "Media: m-lines are missing, re-ordered or changed kind.",
    ErrorCode.NO_COMMON_CODEC: "Media: the media server forwards VP8 video and Opus audio only.",
    ErrorCode.TOO_MANY_TRACKS: "Media: more tracks than one connection may publish (camera, microphone, screen).",
    ErrorCode.BAD_TRACK_LABEL: "Media: a track label does not fit its m-line (e.g. a screen on audio).",
    ErrorCode.WRONG_STATE: "Media: not possible in the connection's signaling state (e.g. no server offer to answer).",
    ErrorCode.GLARE: "Media: the server's offer is outstanding: roll back, answer it, then offer again.",
    ErrorCode.NEGOTIATION_FAILED: "Media: the media server could not apply the description.",
    ErrorCode.UNKNOWN_PARTICIPANT: "Media: this connection has no media (send an initial offer).",
    ErrorCode.ALREADY_JOINED: "Media: this connection already has media.",
    ErrorCode.BAD_REQUEST: "Media: a malformed request to the media server.",
    ErrorCode.BAD_CANDIDATE: "Media: the ICE candidate was refused (media goes on).",
    ErrorCode.CONNECTION_FAILED: "Media: the media connection failed (ICE/DTLS); start over.",
    ErrorCode.SERVER_CLOSED: "Media: the media server is shutting down; start over in a moment.",
    ErrorCode.MEDIA_UNAVAILABLE: "Media: no media server is reachable right now; start over in a moment.",
}


class ProtocolError(Exception):
    """A message the server refuses; becomes an ``error`` reply to its sender only."""

    def __init__(self, code: ErrorCode, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


@dataclass(frozen=True)
class Limits:
    """What one connection may send. Defaults here; the live values come from settings."""

    max_message_bytes: int = 64 * 1024
    chat_max_chars: int = 2000
    rate_limit_burst: int = 20
    rate_limit_per_s: float = 2.0  # refill: a full bucket of 20 takes 10 s
    chat_history: int = 100
    chat_sync_page: int = 500

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_LIMITS = Limits()


def current_limits() -> Limits:
    """The limits this server enforces (settings override the defaults)."""
    from django.conf import settings  # late: the protocol itself does not need Django

    names = {"max_message_bytes": "WS_MAX_MESSAGE_BYTES", "chat_max_chars": "CHAT_MAX_CHARS",
             "rate_limit_burst": "RATE_LIMIT_BURST", "rate_limit_per_s": "RATE_LIMIT_PER_S",
             "chat_history": "CHAT_HISTORY", "chat_sync_page": "CHAT_SYNC_PAGE"}
    values = {field: getattr(settings, name) for field, name in names.items() if hasattr(settings, name)}
    return Limits(**values)


# ---- what text and numbers a client may send -------------------------------------------

def whole_unicode(text: str) -> str:
    """Refuse lone surrogates (JSON allows ``"\\ud800"``; UTF-8 cannot carry it), so everything
    a client sends can be echoed, stored and serialized again: nothing downstream must cope."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"holds a lone surrogate (U+{ord(text[exc.start]):04X}) at character {exc.start}; "
                             "send valid Unicode") from None
    return text


def printable(text: str) -> str:
    """Server-made text that may quote client input (pydantic's field paths): lone surrogates
    become ``\\udxxx`` so the reply always serializes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Every string field of a client message is ``Annotated[str, <constraints>, WHOLE_UNICODE]``
# (constraints first: pydantic strips, then counts; tests/signaling/consumers/test_strict_schema.py checks
# that no client field is a bare str).
WHOLE_UNICODE = AfterValidator(whole_unicode)
Text = Annotated[str, WHOLE_UNICODE]

# Integers a browser holds exactly (2^53 - 1, JavaScript's Number.MAX_SAFE_INTEGER): every id,
# count and version a client sends is at most this, far inside the database's 64-bit columns.
MAX_INT = 2**53 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
ClientId = Annotated[str, StringConstraints(max_length=64), WHOLE_UNICODE]


class Message(BaseModel):
    """Common base: strict field set, so typos are reported rather than ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    direction: ClassVar[Direction]
    family: ClassVar[str] = ""

    @classmethod
    def type_name(cls) -> str:
        return str(cls.model_fields["type"].default)

    @classmethod
    def example(cls) -> Message:
        """One realistic instance, for docs/protocol.md (from the model's json_schema_extra)."""
        extra = cls.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        if not isinstance(examples, list) or not examples:
            raise TypeError(f"{cls.__name__} needs model_config json_schema_extra={{'examples': [...]}}")
        return cls.model_validate(examples[0])

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class ClientMessage(Message):
    """Browser → server. ``id`` is the client's own reference, echoed as ``ref`` in its answer.

    Strict: ``"7"`` is not an integer, ``0`` not a boolean — the server accepts exactly what
    the published JSON Schema describes.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)
    direction: ClassVar[Direction] = "client"
    # What answers a message that has an ``id`` (docs/protocol.md lists it per type): exactly
    # one message with ``ref`` = that id: this type's result, or ``ack`` — or an ``error``.
    answer: ClassVar[str] = "ack"
    # True when the handler answers later, from background work (chat pages, media steps).
    answers_later: ClassVar[bool] = False
    id: ClientId | None = Field(None, description="your reference, echoed as `ref` in the answer")

    def check_limits(self, limits: Limits) -> None:
        """Raise ProtocolError for limits that have their own error code (e.g. chat length)."""


class ServerMessage(Message):
    """Server → browser."""

    direction: ClassVar[Direction] = "server"


M = TypeVar("M", bound=type[Message])
CLIENT_TYPES: dict[str, type[ClientMessage]] = {}
SERVER_TYPES: dict[str, type[ServerMessage]] = {}


def register(family: str) -> Callable[[M], M]:
    """Class decorator: add a message model to the protocol under its ``type``."""

    def add(model: M) -> M:
        table: dict[str, Any] = CLIENT_TYPES if issubclass(model, ClientMessage) else SERVER_TYPES
        name = model.type_name()
        if name in table and table[name] is not model:
            raise ValueError(f"message type {name!r} is registered twice")
        model.family = family
        table[name] = model
        return model

    return add


# A space is the plenary or a breakout room key; keys are also channel-layer group
# name parts, so they keep to the characters group names allow.
SPACE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PLENARY = "plenary"


def examples(*items: dict[str, Any]) -> ConfigDict:
    """model_config for a message: strict fields plus the examples docs/protocol.md shows
    (client messages also inherit ``strict`` types from ClientMessage)."""
    return ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={"examples": list(items)})


# ---- messages every family relies on ------------------------------------------------

@register("core")
class Ping(ClientMessage):
    """Liveness check; the server answers ``pong`` with this message's ``id`` as ``ref``."""
    model_config = examples({"type": "ping", "id": "p1"})
    answer: ClassVar[str] = "pong"
    type: Literal["ping"] = "ping"


@register("core")
class Pong(ServerMessage):
    model_config = examples({"type": "pong", "ref": "p1"})
    type: Literal["pong"] = "pong"
    ref: str | None = None


@register("core")
class Error(ServerMessage):
    """To the sender only; the connection stays open."""
    model_config = examples({"type": "error", "code": "forbidden",
                             "message": "Only moderators can delete chat messages.", "ref": "d1"})
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    ref: str | None = None


@register("core")
class Ack(ServerMessage):
    """Done: the answer to a message with an ``id`` that has no result of its own (what it
    changed reaches everyone concerned as the usual events)."""
    model_config = examples({"type": "ack", "ref": "c17"})
    type: Literal["ack"] = "ack"
    ref: str


@register("core")
class Batch(ServerMessage):
    """Several server messages in one frame, to be handled in order as if sent one by one.

    The server coalesces roster updates (``presence.*``) for a moment when many happen at
    once — a thousand people joining a plenary would otherwise mean a million frames."""
    model_config = examples({"type": "batch", "messages": [{"type": "presence.left", "participant_id": 7},
                                                           {"type": "presence.left", "participant_id": 9}]})
    type: Literal["batch"] = "batch"
    messages: list[dict[str, Any]]
