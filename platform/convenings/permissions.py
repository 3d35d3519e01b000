"""Who may do what during a live convening: the one place that decides.

Pure: no database, no Django. Every live handler (plenary, breakouts, media,
captions, polls) asks :func:`allowed` with the person's convening role
(``Registration.Role``: organizer, moderator, presenter, participant).
"""
from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    # Everyone in the convening.
    CHAT = "chat"
    RAISE_HAND = "raise_hand"
    SHARE_CAMERA_MIC = "share_camera_mic"
    # Presenters (and the staff above them).
    SHARE_SCREEN = "share_screen"
    # Moderators: running the live convening.
    DELETE_CHAT = "delete_chat"
    LOWER_ANY_HAND = "lower_any_hand"
    INVITE_TO_SPEAK = "invite_to_speak"
    BROADCAST = "broadcast"
    MUTE_PARTICIPANT = "mute_participant"
    OPEN_BREAKOUTS = "open_breakouts"
    MOVE_PARTICIPANT = "move_participant"
    CLOSE_BREAKOUTS = "close_breakouts"
    SET_TIMER = "set_timer"
    JOIN_ANY_ROOM = "join_any_room"
    EDIT_PLAN = "edit_plan"
    # Make someone (a CART provider, a volunteer) the captioner of a space.
    ASSIGN_CAPTIONER = "assign_captioner"
    # Ask, close and share quick polls (polls.rules); anyone in a poll's scope votes.
    RUN_POLLS = "run_polls"
    # Start and stop recording a space (the plenary; rooms where the organizer allows it).
    RECORD = "record"
    # Survey results, every team's Top 5 and the convening report: moderators judge how
    # their sessions went as much as organizers do (convenings.access.organizes asks this).
    VIEW_RESULTS = "view_results"


_EVERYONE = frozenset({Action.CHAT, Action.RAISE_HAND, Action.SHARE_CAMERA_MIC})
_PRESENTER = _EVERYONE | {Action.SHARE_SCREEN}
_MODERATOR = _PRESENTER | {
    Action.DELETE_CHAT, Action.LOWER_ANY_HAND, Action.INVITE_TO_SPEAK, Action.BROADCAST,
    Action.MUTE_PARTICIPANT, Action.OPEN_BREAKOUTS, Action.MOVE_PARTICIPANT,
    Action.CLOSE_BREAKOUTS, Action.SET_TIMER, Action.JOIN_ANY_ROOM, Action.EDIT_PLAN,
    Action.VIEW_RESULTS, Action.ASSIGN_CAPTIONER, Action.RUN_POLLS, Action.RECORD,
}
_ORGANIZER = frozenset(Action)

_BY_ROLE: dict[str, frozenset[Action]] = {
    "organizer": _ORGANIZER,
    "moderator": frozenset(_MODERATOR),
    "presenter": frozenset(_PRESENTER),
    "participant": _EVERYONE,
}
ROLES: tuple[str, ...] = tuple(_BY_ROLE)


def permissions_for(role: str) -> set[Action]:
    """Everything a role may do; an unknown role may do nothing."""
    return set(_BY_ROLE.get(role, frozenset()))


def allowed(role: str, action: Action) -> bool:
    return action in _BY_ROLE.get(role, frozenset())
