"""Which spaces exist in a convening: the plenary, and breakout rooms.

Breakouts (a later module) register a directory of open room keys with
:func:`register_directory`; until then a room exists while someone is in it or
it has chat history (so a reconnecting browser can still catch up on it).
"""
from __future__ import annotations

from collections.abc import Callable

from rooms.models import PLENARY, Presence, SpaceCounter

Directory = Callable[[int, str], bool]
_directories: list[Directory] = []


def register_directory(directory: Directory) -> None:
    """Add a source of truth for room keys: ``directory(convening_id, space) -> exists``."""
    if directory not in _directories:
        _directories.append(directory)


def exists(convening_id: int, space: str) -> bool:
    if space == PLENARY:
        return True
    if any(directory(convening_id, space) for directory in _directories):
        return True
    return (Presence.objects.filter(convening_id=convening_id, space=space).exists()
            or SpaceCounter.objects.filter(convening_id=convening_id, space=space).exists())
