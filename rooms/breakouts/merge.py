"""Three-way line merge for a room's shared notes. Pure.

Two people edit from the same version; the second save arrives "stale". Both
edits are diffed line by line (difflib) against that base version. Changes to
different lines are combined; changes to the same lines (or two insertions at
the same place) conflict unless they are identical — then nothing is guessed:
the caller rejects the edit and shows the writer the current text.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True, order=True)
class Hunk:
    start: int  # base lines [start, end) are replaced by `lines`
    end: int
    lines: tuple[str, ...]


def _hunks(base: list[str], edited: list[str]) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, edited, autojunk=False)
    return [Hunk(i1, i2, tuple(edited[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _clash(a: Hunk, b: Hunk) -> bool:
    if a == b:
        return False  # both made the same change
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one place: which comes first is a guess
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def merge3(base: str, ours: str, theirs: str) -> str | None:
    """``ours`` and ``theirs`` (both edited from ``base``) combined, or None on a conflict."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    old = base.splitlines(keepends=True)
    mine, other = _hunks(old, ours.splitlines(keepends=True)), _hunks(old, theirs.splitlines(keepends=True))
    if any(_clash(a, b) for a in mine for b in other):
        return None
    # Insertions sort before a change starting at the same line (end == start < other end).
    hunks = sorted(set(mine) | set(other), key=lambda h: (h.start, h.end))
    out: list[str] = []
    at = 0
    for hunk in hunks:
        out += old[at:hunk.start]
        out += hunk.lines
        at = max(at, hunk.end)
    out += old[at:]
    return _joined(out)


def _joined(lines: list[str]) -> str:
    # A line that lost its final newline by being moved up gets it back.
    fixed = [line if line.endswith("\n") or i == len(lines) - 1 else line + "\n" for i, line in enumerate(lines)]
    return "".join(fixed)
