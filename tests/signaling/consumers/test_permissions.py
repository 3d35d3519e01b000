"""The whole role × action matrix, written out: one place decides, and this is what it decides."""
from __future__ import annotations

import pytest

from convenings.models import Registration
from convenings.permissions import ROLES, Action, allowed, permissions_for

O, M, P, A = "organizer", "moderator", "presenter", "participant"
MATRIX: dict[Action, set[str]] = {  # action → roles allowed
    Action.CHAT: {O, M, P, A},
    Action.RAISE_HAND: {O, M, P, A},
    Action.SHARE_CAMERA_MIC: {O, M, P, A},
    Action.SHARE_SCREEN: {O, M, P},
    Action.DELETE_CHAT: {O, M},
    Action.LOWER_ANY_HAND: {O, M},
    Action.INVITE_TO_SPEAK: {O, M},
    Action.BROADCAST: {O, M},
    Action.MUTE_PARTICIPANT: {O, M},
    Action.OPEN_BREAKOUTS: {O, M},
    Action.MOVE_PARTICIPANT: {O, M},
    Action.CLOSE_BREAKOUTS: {O, M},
    Action.SET_TIMER: {O, M},
    Action.JOIN_ANY_ROOM: {O, M},
    Action.EDIT_PLAN: {O, M},
    Action.VIEW_RESULTS: {O, M},
    Action.ASSIGN_CAPTIONER: {O, M},
    Action.RUN_POLLS: {O, M},
    Action.RECORD: {O, M},
}


def test_the_matrix_covers_every_action_and_role() -> None:
    assert set(MATRIX) == set(Action)
    assert set(ROLES) == set(Registration.Role.values)


@pytest.mark.parametrize("role", [O, M, P, A])
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_allowed(role: str, action: Action) -> None:
    assert allowed(role, action) is (role in MATRIX[action])


@pytest.mark.parametrize("role", [O, M, P, A])
def test_permissions_for_agrees_with_allowed(role: str) -> None:
    assert permissions_for(role) == {action for action in Action if allowed(role, action)}


def test_unknown_roles_may_do_nothing() -> None:
    assert permissions_for("visitor") == set()
    assert not any(allowed("", action) for action in Action)


def test_permissions_for_returns_a_copy() -> None:
    permissions_for(A).add(Action.BROADCAST)
    assert not allowed(A, Action.BROADCAST)
