"""Breakouts family, part 3: work inside a room — shared notes, the room's Top 5 action
items, calls for help — plus room-targeted broadcasts and the summary rooms leave behind.

Room work is for the room's members and moderators (who may use any room).
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from signaling.protocol.base import WHOLE_UNICODE, ClientMessage, Count, Id, Limits, ServerMessage, examples, register
from signaling.protocol.breakouts import AT, FAMILY, HelpCall, RankedItem, RoomKey
from signaling.protocol.plenary import LimitedText, _check_text
from signaling.protocol.shapes import Person

NOTES_MAX_CHARS = 20_000
ITEM_MAX_CHARS = 500
ItemText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ITEM_MAX_CHARS),
                     WHOLE_UNICODE]
_PERSON = {"participant_id": 7, "name": "Maria Garcia"}
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}
_KEY = "s2-topic-5-1"
_ITEMS = [{"id": 31, "rank": 1, "text": "Start a family tech night each quarter"},
          {"id": 32, "rank": 2, "text": "Lend hotspots through the library"}]


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class BreakoutBroadcast(ClientMessage):
    """Moderators: a notice (the plenary's ``broadcast``) to one ``room``, or to everyone."""
    model_config = examples({"type": "breakout.broadcast", "text": "Five minutes left.", "room": _KEY})
    type: Literal["breakout.broadcast"] = "breakout.broadcast"
    text: LimitedText
    room: RoomKey | None = None

    def check_limits(self, limits: Limits) -> None:
        _check_text(self.text, limits, self.id)


@register(FAMILY)
class HelpRequest(ClientMessage):
    """From inside a breakout room: call a moderator. Asking again keeps your place."""
    model_config = examples({"type": "help.request"})
    type: Literal["help.request"] = "help.request"


@register(FAMILY)
class HelpWithdraw(ClientMessage):
    """Never mind: take back your call for help."""
    model_config = examples({"type": "help.withdraw"})
    type: Literal["help.withdraw"] = "help.withdraw"


@register(FAMILY)
class NotesEdit(ClientMessage):
    """Save the room's notes. ``base_version`` is the version your edit started from: if
    others saved since, non-overlapping edits are merged line by line; overlapping ones get
    ``notes_conflict`` and the current ``notes.updated`` — nothing is overwritten. Every edit
    is answered: your saved change reaches you as the room's ``notes.updated``; an edit that
    changes nothing (or one from outside the room) gets the current ``notes.updated``."""
    model_config = examples({"type": "notes.edit", "room": _KEY, "base_version": 3,
                             "text": "Ideas:\n- family tech nights\n"})
    type: Literal["notes.edit"] = "notes.edit"
    room: RoomKey
    base_version: Count
    text: Annotated[str, StringConstraints(max_length=NOTES_MAX_CHARS), WHOLE_UNICODE]


@register(FAMILY)
class RoomSync(ClientMessage):
    """Send me the room's notes (``notes.updated``) and Top 5 (``room.action_items``)."""
    model_config = examples({"type": "room.sync", "room": _KEY})
    type: Literal["room.sync"] = "room.sync"
    room: RoomKey


@register(FAMILY)
class ActionsUpdate(ClientMessage):
    """Change the room's Top 5: add (``text``, optional ``at`` rank), edit (``item_id``,
    ``text``), up / down / remove (``item_id``)."""
    model_config = examples({"type": "actions.update", "room": _KEY, "op": "add",
                             "text": "Start a family tech night each quarter"},
                            {"type": "actions.update", "room": _KEY, "op": "up", "item_id": 32})
    type: Literal["actions.update"] = "actions.update"
    room: RoomKey
    op: Literal["add", "edit", "up", "down", "remove"]
    item_id: Id | None = None
    text: ItemText | None = None
    at: Annotated[int, Field(ge=1, le=5)] | None = None

    @model_validator(mode="after")
    def _fields_of_op(self) -> ActionsUpdate:
        needs = {"add": ("text",), "edit": ("item_id", "text")}.get(self.op, ("item_id",))
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.op} needs {', '.join(missing)}")
        return self


@register(FAMILY)
class ActionsSet(ClientMessage):
    """Replace the room's Top 5 with these items, best first: at most 5 items, each trimmed,
    not empty, at most 500 characters."""
    model_config = examples({"type": "actions.set", "room": _KEY,
                             "items": ["Start a family tech night each quarter", "Lend hotspots"]})
    type: Literal["actions.set"] = "actions.set"
    room: RoomKey
    items: Annotated[list[ItemText], Field(max_length=5, description="at most 5 items")]


# ---- server → client ----------------------------------------------------------------

class RoomItems(BaseModel):
    key: str
    name: str
    items: list[RankedItem]


@register(FAMILY)
class HelpQueue(ServerMessage):
    """To moderators: calls for help, oldest first, with the room each came from."""
    model_config = examples({"type": "help.queue", "requests": [
        {**_PERSON, "room": _KEY, "room_name": "Parent Engagement · 1", "requested_at": AT}]})
    type: Literal["help.queue"] = "help.queue"
    requests: list[HelpCall]


@register(FAMILY)
class HelpStatus(ServerMessage):
    """To you: whether your call for help is waiting; ``resolved_by`` when a moderator came."""
    model_config = examples({"type": "help.status", "waiting": False, "room": _KEY, "resolved_by": _MOD})
    type: Literal["help.status"] = "help.status"
    waiting: bool
    room: str | None
    resolved_by: Person | None = None


@register(FAMILY)
class NotesUpdated(ServerMessage):
    """To the room: its notes at ``version`` (version 0: nobody wrote yet)."""
    model_config = examples({"type": "notes.updated", "room": _KEY, "version": 4,
                             "text": "Ideas:\n- family tech nights\n", "by": _PERSON})
    type: Literal["notes.updated"] = "notes.updated"
    room: str
    version: int
    text: str
    by: Person | None


@register(FAMILY)
class RoomActionItems(ServerMessage):
    """To the room: its Top 5 action items after a change, best first."""
    model_config = examples({"type": "room.action_items", "room": _KEY, "items": _ITEMS})
    type: Literal["room.action_items"] = "room.action_items"
    room: str
    items: list[RankedItem]


@register(FAMILY)
class BreakoutSummary(ServerMessage):
    """To everyone when rooms close: each closed room's Top 5, for the plenary."""
    model_config = examples({"type": "breakout.summary", "rooms": [
        {"key": _KEY, "name": "Parent Engagement · 1", "items": _ITEMS}], "at": AT})
    type: Literal["breakout.summary"] = "breakout.summary"
    rooms: list[RoomItems]
    at: dt.datetime
