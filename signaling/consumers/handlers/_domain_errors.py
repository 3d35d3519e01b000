"""Domain errors → protocol error codes: one table, applied in one place (``dispatch``), so a
handler lets rooms' and action items' errors rise and the sender gets the matching ``error``."""
from __future__ import annotations

from action_items.ranking import ListFull, NotInList
from action_items.services import InvalidText
from rooms import live
from rooms.lifecycle import IllegalTransition
from rooms.planning import PlanError
from signaling.protocol import ErrorCode, ProtocolError

# First match wins: subclasses before their base classes.
CODES: list[tuple[type[Exception], ErrorCode]] = [
    (live.UnknownRoom, ErrorCode.NOT_FOUND),
    (NotInList, ErrorCode.NOT_FOUND),
    (live.RoomFull, ErrorCode.ROOM_FULL),
    (live.RoomNotOpen, ErrorCode.ROOM_NOT_OPEN),
    (live.NotInRoom, ErrorCode.NOT_IN_ROOM),
    (live.WrongMode, ErrorCode.FORBIDDEN),  # choosing a room while rooms are assigned
    (IllegalTransition, ErrorCode.ILLEGAL_TRANSITION),
    (live.LiveError, ErrorCode.ILLEGAL_TRANSITION),
    (PlanError, ErrorCode.INVALID_MESSAGE),
    (ListFull, ErrorCode.INVALID_MESSAGE),
    (InvalidText, ErrorCode.INVALID_MESSAGE),
]
DOMAIN_ERRORS = tuple(kind for kind, _ in CODES)
# Errors whose own text is not a sentence for people.
MESSAGES: dict[type[Exception], str] = {
    ListFull: "The list already has 5 items: remove one before adding another.",
    NotInList: "That item is not in the list (maybe someone just removed it).",
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def translate(exc: Exception, ref: str | None) -> ProtocolError:
    """The protocol error for one of ``DOMAIN_ERRORS``."""
    code = next(code for kind, code in CODES if isinstance(exc, kind))
    return ProtocolError(code, MESSAGES.get(type(exc)) or _sentence(str(exc) or type(exc).__name__), ref)
