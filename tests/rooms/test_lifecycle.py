"""Every (state, event) pair of the room state machine, against an explicit table."""
from __future__ import annotations

import itertools

import pytest

from rooms.lifecycle import (
    CLOSED,
    CLOSING,
    DRAFT,
    EVENTS,
    OPEN,
    STATES,
    IllegalTransition,
    transition,
)

# Written out by hand (not derived from TRANSITIONS) so a changed table fails here.
EXPECTED = {
    (DRAFT, "open"): OPEN,
    (DRAFT, "discard"): CLOSED,
    (OPEN, "start_closing"): CLOSING,
    (OPEN, "close"): CLOSED,
    (CLOSING, "resume"): OPEN,
    (CLOSING, "close"): CLOSED,
    (CLOSED, "reopen"): OPEN,
}
PAIRS = list(itertools.product(STATES, EVENTS))


def test_the_states_and_events_are_the_documented_ones() -> None:
    assert STATES == ("draft", "open", "closing", "closed")
    assert set(EVENTS) == {"open", "start_closing", "resume", "close", "reopen", "discard"}


@pytest.mark.parametrize(("state", "event"), [p for p in PAIRS if p in EXPECTED])
def test_legal_transition(state: str, event: str) -> None:
    assert transition(state, event) == EXPECTED[(state, event)]


@pytest.mark.parametrize(("state", "event"), [p for p in PAIRS if p not in EXPECTED])
def test_illegal_transition_names_state_and_event(state: str, event: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(state, event)
    message = str(caught.value)
    assert state in message and event.replace("_", " ") in message
    assert (caught.value.state, caught.value.event) == (state, event)


@pytest.mark.parametrize(("state", "event", "says"), [
    ("archived", "open", "unknown room state 'archived'"),
    (OPEN, "explode", "unknown event 'explode'"),
])
def test_unknown_states_and_events_are_illegal_too(state: str, event: str, says: str) -> None:
    with pytest.raises(IllegalTransition, match=says):
        transition(state, event)


def test_a_room_can_go_round_the_whole_cycle() -> None:
    state = DRAFT
    for event in ("open", "start_closing", "resume", "start_closing", "close", "reopen", "close"):
        state = transition(state, event)
    assert state == CLOSED
