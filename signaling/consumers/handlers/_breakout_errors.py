"""Breakout errors → protocol error codes (one table, used by the breakouts handlers)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
# Errors whose own text is not a sentence for people.
MESSAGES: dict[type[Exception], str] = {
    ListFull: "The list already has 5 items: remove one before adding another.",
    NotInList: "That item is not in the list (maybe someone just removed it).",
}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


@contextmanager
def translated(ref: str | None) -> Iterator[None]:
    """Re-raise the breakout errors as ProtocolError (the consumer replies ``error``)."""
    try:
        yield
    except tuple(kind for kind, _ in CODES) as exc:
        code = next(code for kind, code in CODES if isinstance(exc, kind))
        text = MESSAGES.get(type(exc)) or _sentence(str(exc) or type(exc).__name__)
        raise ProtocolError(code, text, ref) from exc
