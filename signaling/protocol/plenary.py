"""Plenary family: presence, chat, raised hands and moderator broadcasts.

Every space (the plenary or a breakout room) uses these same messages.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from signaling.protocol.base import (
    PROTOCOL_VERSION,
    SPACE_PATTERN,
    WHOLE_UNICODE,
    ClientMessage,
    Count,
    ErrorCode,
    Id,
    Limits,
    ProtocolError,
    ServerMessage,
    examples,
    register,
)
from signaling.protocol.breakouts import BreakoutSnapshot, RoomWork
from signaling.protocol.shapes import (
    ChatEntry,
    ConveningRef,
    HandEntry,
    Identity,
    Person,
    RosterEntry,
)

FAMILY = "plenary"
SpaceKey = Annotated[str, StringConstraints(pattern=SPACE_PATTERN), WHOLE_UNICODE]
ParticipantId = Id
# Chat and broadcast text: trimmed, not empty, at most LIMITS.chat_max_chars (checked in
# check_limits so it gets its own error code; "x-limit" lets /protocol.js add maxLength).
# The frame limit (max_message_bytes) bounds it before that.
LimitedText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), WHOLE_UNICODE,
                        Field(json_schema_extra={"x-limit": "chat_max_chars"})]
AT = "2025-10-14T09:02:11.512000Z"


def _check_text(text: str, limits: Limits, ref: str | None) -> None:
    if len(text) > limits.chat_max_chars:
        raise ProtocolError(ErrorCode.CHAT_TOO_LONG,
                            f"Messages are limited to {limits.chat_max_chars} characters.", ref)


_PERSON = {"participant_id": 7, "name": "Maria Garcia"}
_MOD = {"participant_id": 2, "name": "Jordan Ellis"}
_ROSTER_ENTRY = {**_PERSON, "school": "Cedar Elementary", "job_role": "principal", "role": "participant",
                 "space": "plenary", "hand_raised": False, "camera": True, "mic": False, "connections": 1}
_CHAT = {"space": "plenary", "seq": 42, "author": _PERSON, "text": "Our parent nights doubled!",
         "at": AT, "deleted": False}
_HAND = {**_PERSON, "raised_at": AT}


# ---- client → server ----------------------------------------------------------------

@register(FAMILY)
class PresenceUpdate(ClientMessage):
    """Report this tab's camera and microphone state (either or both: at least one of them)."""
    model_config = examples({"type": "presence.update", "camera": True, "mic": False})
    # The published schema says "at least one" too (pydantic cannot derive it from the validator).
    model_config["json_schema_extra"]["anyOf"] = [  # type: ignore[index]
        {"required": [name], "properties": {name: {"type": "boolean"}}} for name in ("camera", "mic")]
    type: Literal["presence.update"] = "presence.update"
    camera: bool | None = None
    mic: bool | None = None

    @model_validator(mode="after")
    def _reports_something(self) -> PresenceUpdate:
        if self.camera is None and self.mic is None:
            raise ValueError("give camera, mic or both")
        return self


# A browser's own id for one chat message (e.g. a random UUID), kept until the server acknowledges.
ChatClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$"), WHOLE_UNICODE]


@register(FAMILY)
class ChatSend(ClientMessage):
    """Post to the chat of your space (``space`` defaults to where you are). ``client_id``: your own
    id for this message, the same on every resend; a resend of a message already stored under it
    (its ``ack`` was lost in a reconnect) is acknowledged again and stored and shown only once."""
    model_config = examples({"type": "chat.send", "id": "c17", "text": "Our parent nights doubled!"},
                            {"type": "chat.send", "id": "c18", "text": "Agreed!",
                             "client_id": "8c1f0e3a-52b4-4c1d-9a57-0b2f6ad3e4c1"})
    type: Literal["chat.send"] = "chat.send"
    text: LimitedText
    space: SpaceKey | None = None
    client_id: ChatClientId | None = None

    def check_limits(self, limits: Limits) -> None:
        _check_text(self.text, limits, self.id)


@register(FAMILY)
class ChatSync(ClientMessage):
    """After a reconnect: every message of ``space`` with seq > ``after_seq``, in order, paged."""
    model_config = examples({"type": "chat.sync", "space": "plenary", "after_seq": 41})
    answer: ClassVar[str] = "chat.history"
    answers_later: ClassVar[bool] = True  # pages are sent in the background
    type: Literal["chat.sync"] = "chat.sync"
    space: SpaceKey
    after_seq: Count


@register(FAMILY)
class ChatDelete(ClientMessage):
    """Moderators: remove a chat message for everyone."""
    model_config = examples({"type": "chat.delete", "space": "plenary", "seq": 42})
    type: Literal["chat.delete"] = "chat.delete"
    space: SpaceKey
    seq: Id


@register(FAMILY)
class HandRaise(ClientMessage):
    """Raise your hand in your space; raising it again keeps your place."""
    model_config = examples({"type": "hand.raise"})
    type: Literal["hand.raise"] = "hand.raise"


@register(FAMILY)
class HandLower(ClientMessage):
    """Lower your own hand, or (moderators) someone else's."""
    model_config = examples({"type": "hand.lower"}, {"type": "hand.lower", "participant_id": 7})
    type: Literal["hand.lower"] = "hand.lower"
    participant_id: ParticipantId | None = None


@register(FAMILY)
class HandInvite(ClientMessage):
    """Moderators: invite someone to speak; their hand is lowered."""
    model_config = examples({"type": "hand.invite", "participant_id": 7})
    type: Literal["hand.invite"] = "hand.invite"
    participant_id: ParticipantId


@register(FAMILY)
class BroadcastSend(ClientMessage):
    """Moderators: a notice everyone in the convening sees, in the plenary and every room."""
    model_config = examples({"type": "broadcast.send", "text": "Breakouts close in 5 minutes."})
    type: Literal["broadcast.send"] = "broadcast.send"
    text: LimitedText

    def check_limits(self, limits: Limits) -> None:
        _check_text(self.text, limits, self.id)


# ---- server → client ----------------------------------------------------------------

@register(FAMILY)
class Welcome(ServerMessage):
    """First message on a new connection: who you are, who is here, the hand queue, recent chat."""
    model_config = examples({
        "type": "welcome", "protocol_version": PROTOCOL_VERSION,
        "convening": {"slug": "statewide-leadership-academy", "title": "Statewide Leadership Academy"},
        "you": {**_PERSON, "school": "Cedar Elementary", "job_role": "principal", "role": "participant",
                "permissions": ["chat", "raise_hand", "share_camera_mic"]},
        "space": "plenary", "roster": [_ROSTER_ENTRY], "hands": [_HAND], "chat": [_CHAT],
        "limits": {"max_message_bytes": 65536, "chat_max_chars": 2000, "rate_limit_burst": 20,
                   "rate_limit_per_s": 2.0, "chat_history": 100, "chat_sync_page": 500}})
    type: Literal["welcome"] = "welcome"
    protocol_version: int
    convening: ConveningRef
    you: Identity
    space: str
    roster: list[RosterEntry]
    hands: list[HandEntry]
    chat: list[ChatEntry]
    limits: dict[str, float | int]
    breakouts: BreakoutSnapshot | None = Field(None, description="the live breakout rooms (as in `breakout.state`)")
    room_work: RoomWork | None = Field(None, description=(
        "in a breakout room: its notes and Top 5 (null in the plenary, or if not sent: ask `room.sync`)"))


@register(FAMILY)
class PresenceJoined(ServerMessage):
    """Someone opened their first connection."""
    model_config = examples({"type": "presence.joined", "participant": _ROSTER_ENTRY})
    type: Literal["presence.joined"] = "presence.joined"
    participant: RosterEntry


@register(FAMILY)
class PresenceChanged(ServerMessage):
    """Someone's space, hand, camera/mic or connection count changed."""
    model_config = examples({"type": "presence.changed", "participant": {**_ROSTER_ENTRY, "mic": True}})
    type: Literal["presence.changed"] = "presence.changed"
    participant: RosterEntry


@register(FAMILY)
class PresenceLeft(ServerMessage):
    """Someone's last connection closed (or their worker stopped answering)."""
    model_config = examples({"type": "presence.left", "participant_id": 7})
    type: Literal["presence.left"] = "presence.left"
    participant_id: int


@register(FAMILY)
class SpaceEntered(ServerMessage):
    """You were moved to another space: what it holds (recent chat, hand queue and, in a
    breakout room, its notes and Top 5), in one message."""
    model_config = examples({"type": "space.entered", "space": "room-3", "chat": [], "hands": [],
                             "room_work": {"notes": {"version": 0, "text": "", "by": None}, "action_items": []}})
    type: Literal["space.entered"] = "space.entered"
    space: str
    chat: list[ChatEntry]
    hands: list[HandEntry]
    room_work: RoomWork | None = Field(None, description=(
        "in a breakout room: its notes and Top 5 (null in the plenary, or if not sent: ask `room.sync`)"))


@register(FAMILY)
class ChatMessageOut(ServerMessage):
    """A new chat message in your space. Clients de-duplicate by (space, seq)."""
    model_config = examples({"type": "chat.message", **_CHAT})
    type: Literal["chat.message"] = "chat.message"
    space: str
    seq: int
    author: Person | None
    text: str
    at: dt.datetime
    deleted: bool = False


@register(FAMILY)
class ChatHistory(ServerMessage):
    """One page of a ``chat.sync`` answer; ``has_more`` is false on the last page."""
    model_config = examples({"type": "chat.history", "space": "plenary", "after_seq": 41,
                              "messages": [_CHAT], "has_more": False, "ref": "s3"})
    type: Literal["chat.history"] = "chat.history"
    space: str
    after_seq: int
    messages: list[ChatEntry]
    has_more: bool
    ref: str | None = None


@register(FAMILY)
class ChatDeleted(ServerMessage):
    model_config = examples({"type": "chat.deleted", "space": "plenary", "seq": 42, "by": _MOD})
    type: Literal["chat.deleted"] = "chat.deleted"
    space: str
    seq: int
    by: Person


@register(FAMILY)
class HandQueue(ServerMessage):
    """The raised hands of a space, first raised first."""
    model_config = examples({"type": "hand.queue", "space": "plenary", "hands": [_HAND]})
    type: Literal["hand.queue"] = "hand.queue"
    space: str
    hands: list[HandEntry]


@register(FAMILY)
class HandInvited(ServerMessage):
    """To the invited person only: "You're invited to speak"."""
    model_config = examples({"type": "hand.invited", "space": "plenary", "by": _MOD})
    type: Literal["hand.invited"] = "hand.invited"
    space: str
    by: Person


@register(FAMILY)
class Broadcast(ServerMessage):
    """A moderator's notice, shown to everyone in the convening."""
    model_config = examples({"type": "broadcast", "text": "Breakouts close in 5 minutes.",
                              "from": _MOD, "at": AT})
    type: Literal["broadcast"] = "broadcast"
    text: str
    from_: Person = Field(alias="from")
    at: dt.datetime
