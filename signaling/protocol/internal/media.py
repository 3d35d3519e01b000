"""``media.rpc`` and ``media.event``: a web process and the media worker that hosts a space
(signaling.media.relay, relay_spaces), and a moderator's screen-share permission.

web → worker, on the worker's channel (``media-worker.<name>``): one ``Rpc`` model per ``op``,
each with the envelope: ``call`` (None: no reply expected), ``reply`` (the channel the answer
goes to) and ``media_id`` (the connection's media session, where the op has one).

worker → web, on the asking connection's channel (or the process's reply channel):
``Result`` (an op's answer) and ``Signal`` (the media server pushing to that connection);
and from a moderator's connection to a person's tabs: ``AllowScreen``.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from signaling.protocol.internal import InternalEvent

MEDIA_EVENT: Literal["media.event"] = "media.event"
MEDIA_RPC: Literal["media.rpc"] = "media.rpc"


# ---- worker → web ------------------------------------------------------------------------------

class Result(InternalEvent):
    """The answer to op ``call``: ``result`` if ``ok``, else the media error's ``code`` and ``message``."""

    type: Literal["media.event"] = MEDIA_EVENT
    kind: Literal["result"] = "result"
    call: int
    ok: bool = True
    result: Any = None
    code: str = ""
    message: str = ""


class Signal(InternalEvent):
    """The media server's push to one connection's media session (signaling.media.signals.SignalOut)."""

    type: Literal["media.event"] = MEDIA_EVENT
    kind: Literal["signal"] = "signal"
    media_id: str
    signal: dict[str, Any]  # SignalOut.to_dict(): that module (not a leaf) checks its own shape


class AllowScreen(InternalEvent):
    """A moderator let this person share their screen (or stopped letting them): to all their tabs."""

    type: Literal["media.event"] = MEDIA_EVENT
    kind: Literal["allow_screen"] = "allow_screen"
    allowed: bool


MediaEvent = Annotated[Result | Signal | AllowScreen, Field(discriminator="kind")]
MEDIA_EVENTS: TypeAdapter[MediaEvent] = TypeAdapter(MediaEvent)


# ---- web → worker ------------------------------------------------------------------------------

class Rpc(InternalEvent):
    """What every op carries besides its own fields."""

    type: Literal["media.rpc"] = MEDIA_RPC
    call: int | None = None
    reply: str = ""
    media_id: str = ""


class Join(Rpc):
    op: Literal["join"] = "join"
    key: str
    large: bool
    role: str


class Offer(Rpc):
    op: Literal["offer"] = "offer"
    sdp: str
    labels: dict[str, str]
    layers: dict[str, dict[str, int]] | None = None  # the camera's simulcast layers: {"rank", "height"} by mid


class Answer(Rpc):
    op: Literal["answer"] = "answer"
    sdp: str


class Candidate(Rpc):
    op: Literal["candidate"] = "candidate"
    candidate: dict[str, Any] | None


class Visible(Rpc):
    op: Literal["visible"] = "visible"
    hidden: list[str]
    sizes: dict[str, int] | None = None  # rendered heights by mid (media.visible ``sizes``)


class Move(Rpc):
    op: Literal["move"] = "move"
    key: str
    large: bool


class Leave(Rpc):
    op: Literal["leave"] = "leave"


class Captions(Rpc):
    op: Literal["captions"] = "captions"
    key: str
    on: bool


class RecordStart(Rpc):
    op: Literal["record_start"] = "record_start"
    key: str
    folder: str


class RecordStop(Rpc):
    op: Literal["record_stop"] = "record_stop"
    key: str


class Listen(Rpc):
    """The moderator's media also hears space ``key`` (None: stops)."""

    op: Literal["listen"] = "listen"
    key: str | None


class Unlisten(Rpc):
    op: Literal["unlisten"] = "unlisten"
    key: str


class Speak(Rpc):
    op: Literal["speak"] = "speak"
    keys: list[str]


class Unspeak(Rpc):
    op: Literal["unspeak"] = "unspeak"
    keys: list[str]


class Activity(Rpc):
    op: Literal["activity"] = "activity"
    keys: list[str]


MediaRpc = Annotated[
    Join | Offer | Answer | Candidate | Visible | Move | Leave | Captions | RecordStart | RecordStop
    | Listen | Unlisten | Speak | Unspeak | Activity,
    Field(discriminator="op")]
MEDIA_RPCS: TypeAdapter[MediaRpc] = TypeAdapter(MediaRpc)
