"""Three-way line merge for a room's shared notes. Pure.

Two people edit from the same version; the second save arrives "stale". Both
edits are diffed line by line against that base version. Changes to different
lines are combined; changes to the same lines (or two insertions at the same
place) conflict unless they are identical — then nothing is guessed: the caller
rejects the edit and shows the writer the current text.

Bounded work. Each diff is Myers' shortest edit script after trimming the common
start and end, and may spend at most ``DIFF_BUDGET`` steps (a step: one line
comparison, or one diagonal tried). Ordinary edits need a few hundred; text built
to be slow (hundreds of identical lines, every other one changed) would need
millions. Past the budget the diff falls back to a cheap one that is still exact
about what that person's text is — line i against line i when the line counts
match (edits in place), else the whole changed middle as one block. A coarser diff
can only make the merge *conflict* more often, never drop or invent a line: a
conflict keeps the saved notes as they are and hands the writer the current text
while their own stays in their editor, so no one's words are lost. Everything else
here is linear (the clash check is a sweep over two sorted lists).

frontend/static/convene/js/notes-merge.js is the same algorithm, step for step and
with the same budget, so the browser and the server agree on every merge
(tests/rooms/breakouts/test_notes_merge.py runs both on the same inputs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Steps one diff may take before falling back: about 20–30 ms of CPython, a few ms in a browser.
DIFF_BUDGET = 200_000


@dataclass
class Work:
    """Steps spent by one merge (both diffs), and whether a diff ran out of budget."""
    budget: int = DIFF_BUDGET
    spent: int = 0
    coarse: bool = field(default=False)


@dataclass(frozen=True, order=True)
class Hunk:
    start: int  # base lines [start, end) are replaced by `lines`
    end: int
    lines: tuple[str, ...]


def lines_of(text: str) -> list[str]:
    """Lines with their "\\n" (the last may lack it). Only "\\n" ends a line, as in the browser:
    ``str.splitlines`` would also split on "\\r", "\\u2028"… and the merge would add a "\\n" after them."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _shortest_script(a: list[int], b: list[int], work: Work) -> list[tuple[int, int, int]] | None:
    """Myers: the matched runs (x, y, length) of a shortest edit script from ``a`` to ``b``,
    in order; None once ``work.budget`` steps are spent on it."""
    n, m = len(a), len(b)
    off = n + m + 1
    v = [0] * (2 * off + 1)  # v[off + k]: the furthest x reached on diagonal k = x - y
    trace: list[list[int]] = []  # v after each round d, for k in [-d, d]
    steps = 0
    for d in range(n + m + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[off + k - 1] < v[off + k + 1]):
                x = v[off + k + 1]  # down: insert b[y - 1]
            else:
                x = v[off + k - 1] + 1  # right: delete a[x - 1]
            y, x0 = x - k, x
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[off + k] = x
            steps += 1 + x - x0
            if x >= n and y >= m:
                work.spent += steps
                trace.append(v[off - d:off + d + 1])
                return _runs(trace, n, m)
            if steps > work.budget:
                work.spent += steps
                return None
        trace.append(v[off - d:off + d + 1])
        steps += 2 * d + 1  # the copy
    raise AssertionError("unreachable: d = n + m always reaches the end")


def _runs(trace: list[list[int]], x: int, y: int) -> list[tuple[int, int, int]]:
    """Walk the rounds back from (x, y) = (n, m), collecting the diagonal runs."""
    runs: list[tuple[int, int, int]] = []
    for d in range(len(trace) - 1, 0, -1):
        k, prev = x - y, trace[d - 1]  # prev[k + d - 1]: diagonal k after round d - 1

        def at(diagonal: int) -> int:
            return prev[diagonal + d - 1]  # noqa: B023 (used within this iteration only)

        down = k == -d or (k != d and at(k - 1) < at(k + 1))
        px = at(k + 1) if down else at(k - 1)
        py = px - (k + 1 if down else k - 1)
        sx, sy = (px, py + 1) if down else (px + 1, py)  # where this round's run starts
        if x > sx:
            runs.append((sx, sy, x - sx))
        x, y = px, py
    if x > 0:
        runs.append((0, 0, x))
    runs.reverse()
    return runs


def _diff(old: list[int], new: list[int], edited: list[str], work: Work) -> list[Hunk]:
    n, m = len(old), len(new)
    pre = 0
    while pre < n and pre < m and old[pre] == new[pre]:
        pre += 1
    suf = 0
    while suf < n - pre and suf < m - pre and old[n - 1 - suf] == new[m - 1 - suf]:
        suf += 1
    work.spent += pre + suf
    a, b = old[pre:n - suf], new[pre:m - suf]
    if not a and not b:
        return []
    runs = _shortest_script(a, b, work)
    if runs is None:
        work.coarse = True
        work.spent += len(a)
        if len(a) == len(b):  # edits in place: line i against line i
            runs = [(i, i, 1) for i in range(len(a)) if a[i] == b[i]]
        else:
            runs = []
    hunks: list[Hunk] = []
    i = j = 0
    for x, y, length in [*runs, (len(a), len(b), 0)]:
        if x > i or y > j:
            hunks.append(Hunk(pre + i, pre + x, tuple(edited[pre + j:pre + y])))
        i, j = x + length, y + length
    return hunks


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


def _combined(mine: list[Hunk], other: list[Hunk]) -> list[Hunk] | None:
    """Both lists' hunks in order (a change both made, once), or None if two clash.

    Each list is sorted and its hunks are apart (a kept line between any two), so a
    hunk that ends first cannot clash with anything later in the other list: one sweep."""
    out: list[Hunk] = []
    i = j = 0
    while i < len(mine) and j < len(other):
        a, b = mine[i], other[j]
        if _clash(a, b):
            return None
        if a == b:
            out.append(a)
            i, j = i + 1, j + 1
        elif (a.start, a.end) <= (b.start, b.end):  # an insertion goes before a change at its line
            out.append(a)
            i += 1
        else:
            out.append(b)
            j += 1
    return out + mine[i:] + other[j:]


def merge3(base: str, ours: str, theirs: str, work: Work | None = None) -> str | None:
    """``ours`` and ``theirs`` (both edited from ``base``) combined, or None on a conflict.
    ``work`` (optional) records the steps spent."""
    work = work if work is not None else Work()
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    old, mine, other = lines_of(base), lines_of(ours), lines_of(theirs)
    ids: dict[str, int] = {}  # each distinct line as a small int: cheap comparisons
    old_ids, mine_ids, other_ids = ([ids.setdefault(line, len(ids)) for line in side] for side in (old, mine, other))
    work.spent += len(old) + len(mine) + len(other)
    hunks = _combined(_diff(old_ids, mine_ids, mine, work), _diff(old_ids, other_ids, other, work))
    if hunks is None:
        return None
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
