"""Captions family: live captions of a space, by a person (CART) or automatic.

A moderator makes someone the captioner of a space (``captions.assign``); what the captioner
types (``captions.line``) reaches everyone in that space only, as ``captions.caption``:
partial lines update in place (same ``id``), a final line commits and is kept for the
transcript. Automatic captions (a speech engine) arrive as the same ``captions.caption``
with ``source: "automatic"``; a space with a person captioning uses the person's captions.
On connecting or entering a space, send ``captions.sync`` for the captioner and the recent
lines (``captions.history``).
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from signaling.protocol.base import (
    SPACE_PATTERN,
    WHOLE_UNICODE,
    ClientMessage,
    Id,
    ServerMessage,
    examples,
    register,
)
from signaling.protocol.shapes import Person

FAMILY = "captions"
# captions.rules.LINE_MAX_CHARS (the protocol does not import Django apps).
LINE_MAX_CHARS = 500
HISTORY_LINES = 50
SpaceKey = Annotated[str, StringConstraints(pattern=SPACE_PATTERN), WHOLE_UNICODE]
LineText = Annotated[str, StringConstraints(max_length=LINE_MAX_CHARS), WHOLE_UNICODE]
CaptionSource = Literal["person", "automatic"]
AT = "2025-10-14T09:02:11.512000Z"
_CAPTIONER = {"participant_id": 9, "name": "Dana Brooks"}
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}
_LINE = {"space": "plenary", "id": 311, "by": _CAPTIONER, "speaker": None, "source": "person",
         "text": "Welcome back, everyone. Let's start with the district data.", "final": True, "at": AT}


class CaptionEntry(BaseModel):
    space: str
    id: int = Field(description="the line's number: partial updates and the final line share it")
    by: Person | None = Field(description="the captioner who typed it (null for automatic captions)")
    speaker: Person | None = Field(None, description="who said it, when known")
    source: CaptionSource
    text: str
    final: bool
    at: dt.datetime = Field(description="when the line began")


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class CaptionsAssign(ClientMessage):
    """Moderators: make someone the captioner of ``space`` (a CART provider or a volunteer),
    or nobody (``participant_id: null``). Everyone in the space hears ``captions.assigned``."""
    model_config = examples({"type": "captions.assign", "space": "plenary", "participant_id": 9},
                            {"type": "captions.assign", "space": "plenary", "participant_id": None})
    type: Literal["captions.assign"] = "captions.assign"
    space: SpaceKey
    participant_id: Id | None


@register(FAMILY)
class CaptionsLine(ClientMessage):
    """The captioner of your space: the line being typed (``final: false``, sent as you type,
    replaces the line in place) or the finished line (``final: true``, kept for the
    transcript; not empty). Everyone else gets ``forbidden``. The rate limit applies: send
    partial lines at most every half second or so."""
    model_config = examples({"type": "captions.line", "text": "Welcome back, every", "final": False},
                            {"type": "captions.line", "text": "Welcome back, everyone.", "final": True})
    type: Literal["captions.line"] = "captions.line"
    text: LineText
    final: bool

    @model_validator(mode="after")
    def _final_has_text(self) -> CaptionsLine:
        if self.final and not self.text.strip():
            raise ValueError("a final caption line needs text")
        return self


@register(FAMILY)
class CaptionsSync(ClientMessage):
    """Send me the captioner and the recent caption lines of ``space`` (default: yours)."""
    model_config = examples({"type": "captions.sync", "id": "k1"})
    answer: ClassVar[str] = "captions.history"
    type: Literal["captions.sync"] = "captions.sync"
    space: SpaceKey | None = None


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class CaptionsCaption(ServerMessage):
    """A caption line in your space: show it under the stage; replace the line with the same
    ``id``; a ``final`` line is complete (announce it to screen readers then, not before)."""
    model_config = examples({"type": "captions.caption", **_LINE})
    type: Literal["captions.caption"] = "captions.caption"
    space: str
    id: int
    by: Person | None
    speaker: Person | None = None
    source: CaptionSource
    text: str
    final: bool
    at: dt.datetime


@register(FAMILY)
class CaptionsAssigned(ServerMessage):
    """The captioner of ``space`` changed (``captioner`` null: nobody captions it now). To the
    space, and to the new and the previous captioner wherever they are. A line that was being
    typed and not finished is dropped."""
    model_config = examples({"type": "captions.assigned", "space": "plenary", "captioner": _CAPTIONER,
                             "by": _MOD})
    type: Literal["captions.assigned"] = "captions.assigned"
    space: str
    captioner: Person | None
    by: Person


@register(FAMILY)
class CaptionsHistory(ServerMessage):
    """The answer to ``captions.sync``: who captions the space and its last final lines
    (at most 50, oldest first)."""
    model_config = examples({"type": "captions.history", "space": "plenary", "captioner": _CAPTIONER,
                             "lines": [_LINE], "ref": "k1"})
    type: Literal["captions.history"] = "captions.history"
    space: str
    captioner: Person | None
    lines: list[CaptionEntry]
    ref: str | None = None


# ---- automatic captions (issue 19 item 2: signaling/media/captioning/) ----------------

@register(FAMILY)
class CaptionsAutomatic(ClientMessage):
    """Moderators: turn automatic captions of ``space`` on or off (the plenary's stage is
    captioned by default where the operator enabled it; rooms when a moderator turns them on).
    The server transcribes the space's stage and most recent active speakers; a space with a
    person captioning shows the person's captions. Everyone in the space gets ``captions.status``."""
    model_config = examples({"type": "captions.automatic", "space": "room-3", "on": True})
    type: Literal["captions.automatic"] = "captions.automatic"
    space: SpaceKey
    on: bool


@register(FAMILY)
class CaptionsStatus(ServerMessage):
    """Automatic captions of ``space`` changed: ``on``/``off`` (a moderator's choice),
    ``restarted`` (the speech engine failed and was restarted: a line may be missing) or
    ``failed`` (automatic captions stopped). ``message`` says it in words, for everyone."""
    model_config = examples({"type": "captions.status", "space": "plenary", "state": "restarted",
                             "message": "Automatic captions stopped for a moment and were restarted."})
    type: Literal["captions.status"] = "captions.status"
    space: str
    state: Literal["on", "off", "restarted", "failed"]
    message: str
