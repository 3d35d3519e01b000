"""Breakout room state machine. Pure and table-driven.

    draft --open--> open --start_closing--> closing --close--> closed
      |               |  <-----resume------    |                  |
      |               +---------close--------->+                  |
      +--------------------discard------------------------------->+
    closed --reopen--> open

`start_closing` begins the grace countdown (people are warned, rooms still
work); `resume` cancels it when the organizer extends the timer; `close` sends
everyone back to the plenary, from open (at once) or after the grace period.
"""
from __future__ import annotations

from typing import Final

DRAFT: Final = "draft"
OPEN: Final = "open"
CLOSING: Final = "closing"
CLOSED: Final = "closed"
STATES: Final = (DRAFT, OPEN, CLOSING, CLOSED)
# States in which a room holds people and its video/chat is live.
LIVE_STATES: Final = frozenset({OPEN, CLOSING})

EVENTS: Final = ("open", "start_closing", "resume", "close", "reopen", "discard")

TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (DRAFT, "open"): OPEN,
    (DRAFT, "discard"): CLOSED,
    (OPEN, "start_closing"): CLOSING,
    (OPEN, "close"): CLOSED,
    (CLOSING, "resume"): OPEN,
    (CLOSING, "close"): CLOSED,
    (CLOSED, "reopen"): OPEN,
}


class IllegalTransition(ValueError):
    def __init__(self, state: str, event: str) -> None:
        self.state = state
        self.event = event
        if state not in STATES:
            detail = f"unknown room state {state!r}"
        elif event not in EVENTS:
            detail = f"unknown event {event!r}"
        else:
            detail = f"a room that is {state} cannot {event.replace('_', ' ')}"
        super().__init__(f"{detail} (state={state!r}, event={event!r})")


def transition(state: str, event: str) -> str:
    """The state after `event`; IllegalTransition if the table does not allow it."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None

