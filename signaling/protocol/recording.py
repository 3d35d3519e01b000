"""Recording family: moderators record a space; everyone in it is told, and keeps being told.

A moderator starts and stops the recording of the plenary (``recording.start`` /
``recording.stop``), and of a breakout room when the organizer allows it. Everyone in the space
gets ``recording.state`` when it starts or stops -- show a persistent "Recording" indicator
and announce the change to screen readers -- and people entering a space (or waiting in the
lobby) ask with ``recording.sync``. A recording that had to stop on its own (a full disk) tells
the moderators with ``recording.notice``.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from signaling.protocol.base import SPACE_PATTERN, WHOLE_UNICODE, ClientMessage, ServerMessage, examples, register
from signaling.protocol.shapes import Person

FAMILY = "recording"
SpaceKey = Annotated[str, StringConstraints(pattern=SPACE_PATTERN), WHOLE_UNICODE]
AT = "2025-10-14T09:02:11.512000Z"
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class RecordingStart(ClientMessage):
    """Moderators: start recording ``space`` (default: yours). Breakout rooms only when the
    organizer allows it (``forbidden`` otherwise). Starting a space already recorded changes
    nothing. Everyone in the space gets ``recording.state``."""
    model_config = examples({"type": "recording.start", "id": "r1"},
                            {"type": "recording.start", "space": "room-3", "id": "r2"})
    type: Literal["recording.start"] = "recording.start"
    space: SpaceKey | None = None


@register(FAMILY)
class RecordingStop(ClientMessage):
    """Moderators: stop recording ``space`` (default: yours). The recording is then rendered
    into one file the organizer finds on the recordings page of the report."""
    model_config = examples({"type": "recording.stop", "id": "r3"})
    type: Literal["recording.stop"] = "recording.stop"
    space: SpaceKey | None = None


@register(FAMILY)
class RecordingSync(ClientMessage):
    """Is ``space`` (default: yours) being recorded? Send it on connecting, in the lobby and on
    entering a space; the answer is ``recording.state`` with your ``id`` as ``ref``."""
    model_config = examples({"type": "recording.sync", "id": "k2"})
    answer: ClassVar[str] = "recording.state"
    type: Literal["recording.sync"] = "recording.sync"
    space: SpaceKey | None = None


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class RecordingState(ServerMessage):
    """Whether ``space`` is being recorded. While ``recording`` is true show a persistent
    "Recording" indicator; when it changes (no ``ref``), announce ``message`` (aria-live)."""
    model_config = examples({"type": "recording.state", "space": "plenary", "recording": True, "since": AT,
                             "by": _MOD, "message": "This session is being recorded."},
                            {"type": "recording.state", "space": "plenary", "recording": False, "since": None,
                             "by": _MOD, "message": "Recording stopped."})
    type: Literal["recording.state"] = "recording.state"
    space: str
    recording: bool
    since: dt.datetime | None = Field(description="when the recording started (null: not recording)")
    by: Person | None = Field(description="the moderator who started or stopped it (null: the server)")
    message: str
    ref: str | None = None


@register(FAMILY)
class RecordingNotice(ServerMessage):
    """To the convening's moderators: the recording of ``space`` stopped on its own
    (``disk_full``: the server's disk is full; ``write_failed``: another write error). What was
    recorded up to then is kept and rendered."""
    model_config = examples({"type": "recording.notice", "space": "plenary", "reason": "disk_full",
                             "message": "Recording of the plenary stopped: the server's disk is full."})
    type: Literal["recording.notice"] = "recording.notice"
    space: str
    reason: Literal["disk_full", "write_failed", "media_unavailable"]
    message: str
