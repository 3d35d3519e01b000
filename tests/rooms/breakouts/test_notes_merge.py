"""The notes' three-way merge does bounded work, keeps everyone's words, agrees with the
browser's copy, and never holds up anyone else's messages (issue 14, item 1).

A saved "a\\n" × 1,000 with every other line changed, then a stale edit of the other lines:
difflib took ~21 s on it, inside the transaction, on the one database thread all of a
worker's messages share — everyone's chat waited.
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from math import isqrt
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rooms.breakouts.merge import DIFF_BUDGET, Work, lines_of, merge3
from tests.rooms.breakouts.conftest import Opened
from tests.rooms.breakouts.factories import PARENT, BreakoutSession

JS_MERGE = Path(__file__).resolve().parents[3] / "frontend" / "static" / "convene" / "js" / "notes-merge.js"
NOTES_MAX_LINES = 10_000  # 20,000 characters of "a\n"


def _alternating(n: int, word: str, odd: bool) -> str:
    """n lines of "a", every other one (odd or even ones) replaced by ``word``."""
    return "".join(f"{word}\n" if i % 2 == odd else "a\n" for i in range(n))


def _work_bound(*texts: str) -> int:
    """What one merge may spend: each diff its budget (plus one round's overshoot), plus
    linear work — interning, trimming, the last run of matches, a fallback pass."""
    lines = sum(len(lines_of(t)) for t in texts)
    return 2 * (DIFF_BUDGET + 2 * isqrt(2 * DIFF_BUDGET) + 2) + 3 * lines


# ---- bounded work ---------------------------------------------------------------------------

@st.composite
def repetitive(draw: st.DrawFn) -> tuple[str, str, str]:
    """Adversarial notes: up to 10,000 lines from one to three distinct words, and two people's
    edits of them — every k-th line replaced, lines inserted or deleted at intervals."""
    words = ["a\n", "b\n", "a b\n"][:draw(st.integers(1, 3))]
    n = draw(st.integers(0, NOTES_MAX_LINES))
    seed = draw(st.integers(0, 2**16))
    pick = random.Random(seed)
    base = [pick.choice(words) for _ in range(n)]

    def edited(who: str) -> list[str]:
        every, offset = draw(st.integers(1, 7)), draw(st.integers(0, 6))
        how = draw(st.sampled_from(["replace", "insert", "delete", "mixed"]))
        out: list[str] = []
        for i, line in enumerate(base):
            hit = i % every == offset % every
            if not hit or how == "insert" or (how == "mixed" and i % 3 == 0):
                out.append(line)
            if hit and how in ("replace", "insert") or (hit and how == "mixed" and i % 3 == 1):
                out.append(pick.choice([*words, f"{who}\n"]))
        return out

    return "".join(base), "".join(edited("ours")), "".join(edited("theirs"))


@settings(max_examples=25, deadline=None)
@given(repetitive())
@example(("a\n" * NOTES_MAX_LINES, _alternating(NOTES_MAX_LINES, "b", odd=True),
          _alternating(NOTES_MAX_LINES, "c", odd=False)))
@example(("a\n" * NOTES_MAX_LINES, "a\n" * 3 + _alternating(NOTES_MAX_LINES, "b", odd=True),
          _alternating(NOTES_MAX_LINES - 7, "c", odd=False)))
def test_a_merge_of_repetitive_notes_does_bounded_work(texts: tuple[str, str, str]) -> None:
    base, ours, theirs = texts
    work = Work()
    merge3(base, ours, theirs, work)
    assert work.spent <= _work_bound(base, ours, theirs)
    if len({base, ours, theirs}) == 3:  # a real merge: the count covers at least reading the lines
        assert work.spent >= len(lines_of(base)) + len(lines_of(ours)) + len(lines_of(theirs))


def test_the_reported_case_merges_both_peoples_lines_within_budget() -> None:
    # Two people each changed every other line of 1,000 identical ones, from the same version.
    base, ours, theirs = "a\n" * 1000, _alternating(1000, "mine", odd=True), _alternating(1000, "yours", odd=False)
    work = Work()
    merged = merge3(base, ours, theirs, work)
    assert merged == "".join("yours\n" if i % 2 == 0 else "mine\n" for i in range(1000))
    assert work.coarse and work.spent <= _work_bound(base, ours, theirs)
    # Past the budget with different line counts: one block each, so a conflict — never a guess.
    work = Work()
    assert merge3(base, ours, theirs + "one more\n" + theirs, work) is None
    assert work.coarse and work.spent <= _work_bound(base, ours, theirs + theirs)


# ---- non-conflicting edits are both kept ----------------------------------------------------

@st.composite
def apart(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """Notes in sections, each after an anchor line nobody touches. Each section is edited by
    one of two people (or nobody): lines kept, dropped, replaced, inserted. Returns base, ours,
    theirs and the text that keeps both people's changes."""
    base: list[str] = []
    sides: dict[str, list[str]] = {"ours": [], "theirs": []}
    both: list[str] = []
    for s, (size, owner) in enumerate(draw(st.lists(st.tuples(st.integers(0, 5),
                                                              st.sampled_from(["ours", "theirs", None])), max_size=7))):
        section = [f"line {s}.{i}\n" for i in range(size)]
        changed = section
        if owner is not None:
            changed = [line for line in section if draw(st.booleans())]
            for n, at in enumerate(sorted(draw(st.lists(st.integers(0, len(changed)), max_size=3)), reverse=True)):
                changed.insert(at, f"{owner} wrote {s}.{n}\n")
        base += [f"anchor {s}\n", *section]
        for side, lines in sides.items():
            lines += [f"anchor {s}\n", *(changed if side == owner else section)]
        both += [f"anchor {s}\n", *changed]
    return "".join(base), "".join(sides["ours"]), "".join(sides["theirs"]), "".join(both)


@settings(max_examples=400, deadline=None)
@given(apart())
def test_edits_to_different_sections_are_both_kept(texts: tuple[str, str, str, str]) -> None:
    base, ours, theirs, both = texts
    work = Work()
    assert merge3(base, ours, theirs, work) == both
    assert merge3(base, theirs, ours) == both
    assert not work.coarse


@st.composite
def two_edits(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    """A base of distinct lines, and two people's versions of it (deletions and insertions)."""
    base = [f"line {i}\n" for i in range(draw(st.integers(0, 12)))]

    def edited(who: str) -> list[str]:
        kept = [line for line in base if draw(st.booleans())]
        for n, at in enumerate(sorted(draw(st.lists(st.integers(0, len(kept)), max_size=4)), reverse=True)):
            kept.insert(at, f"{who} {n}\n")
        return kept

    return base, edited("ours"), edited("theirs")


@settings(max_examples=400, deadline=None)
@given(two_edits(), st.integers(0, 40))
def test_out_of_budget_a_merge_still_keeps_every_edit_or_refuses(edits: tuple[list[str], list[str], list[str]],
                                                                 budget: int) -> None:
    # A tiny budget forces the fallbacks (line against line, or one block): still no word lost.
    base, ours, theirs = edits
    merged = merge3("".join(base), "".join(ours), "".join(theirs), Work(budget=budget))
    if merged is None:
        return  # a conflict: the saved notes stay, the writer keeps their text
    lines = merged.splitlines(keepends=True)
    survivors = [line for line in base if line in ours and line in theirs]
    assert sorted(lines) == sorted({*survivors, *(set(ours) - set(base)), *(set(theirs) - set(base))})
    for side in (ours, theirs):
        assert [line for line in lines if line in side] == [line for line in side if line in lines]


def test_only_newlines_end_lines() -> None:
    # str.splitlines would split at "\r" and the merge would then add a "\n" no one typed.
    assert merge3("x\ry\nz\n", "x\ry\nZ\n", "X\ry\nz\n") == "X\ry\nZ\n"
    assert merge3("x\ry\nz\n", "x\rY\nz\n", "X\ry\nz\n") is None  # one line, changed by both
    assert merge3("a\u2028b\nc\n", "a\u2028b\nC\n", "A\u2028b\nc\n") == "A\u2028b\nC\n"


# ---- the browser's copy agrees --------------------------------------------------------------

def _cases() -> list[tuple[str, str, str, int]]:
    """Seeded: small random notes at several budgets (fallbacks included), and big adversarial ones."""
    pick = random.Random(14)
    words = ["a\n", "b\n", "c\r\n", "d", "é\n", "", "\n"]

    def text(n: int) -> str:
        return "".join(pick.choice(words) for _ in range(n))

    def edit(t: str) -> str:
        lines = lines_of(t)
        for _ in range(pick.randint(0, 4)):
            at = pick.randint(0, len(lines))
            if pick.random() < 0.5 and at < len(lines):
                del lines[at]
            else:
                lines.insert(at, pick.choice(words))
        return "".join(lines)

    cases = []
    for _ in range(600):
        base = text(pick.randint(0, 14))
        cases.append((base, edit(base), edit(base), pick.choice([0, 3, 10, 30, DIFF_BUDGET])))
    for n in (1000, NOTES_MAX_LINES):
        cases.append(("a\n" * n, _alternating(n, "b", odd=True), _alternating(n, "c", odd=False), DIFF_BUDGET))
        cases.append(("a\n" * n, _alternating(n, "b", odd=True), _alternating(n + 1, "c", odd=False), DIFF_BUDGET))
    base = "".join(f"line {i}\n" for i in range(2000))
    cases.append((base, "new\n" * 300 + base, base + "tail\n" * 300, DIFF_BUDGET))
    return cases


def test_the_browser_merges_exactly_as_the_server_does(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "node is needed (make test installs the frontend tooling with npm)"
    (tmp_path / "notes-merge.mjs").write_text(JS_MERGE.read_text())  # an ES module whatever the package says
    (tmp_path / "run.mjs").write_text(
        "import { readFileSync } from 'node:fs';\n"
        "import { merge3, DIFF_BUDGET } from './notes-merge.mjs';\n"
        "const cases = JSON.parse(readFileSync(0, 'utf8'));\n"
        "const out = cases.map(([base, ours, theirs, budget]) => {\n"
        "  const work = { budget, spent: 0, coarse: false };\n"
        "  return [merge3(base, ours, theirs, work), work.spent, work.coarse];\n"
        "});\n"
        "process.stdout.write(JSON.stringify({ budget: DIFF_BUDGET, out }));\n")
    cases = _cases()
    result = subprocess.run([node, str(tmp_path / "run.mjs")], input=json.dumps(cases), capture_output=True,
                            text=True, check=True, timeout=120)
    browser = json.loads(result.stdout)
    assert browser["budget"] == DIFF_BUDGET
    for (base, ours, theirs, budget), (text, spent, coarse) in zip(cases, browser["out"], strict=True):
        work = Work(budget=budget)
        assert (merge3(base, ours, theirs, work), work.spent, work.coarse) == (text, spent, coarse), \
            (base[:80], ours[:80], theirs[:80], budget)


# ---- through the server ---------------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_tangled_stale_edit_does_not_hold_up_anyone_elses_chat(opened: Opened,
                                                                      session: BreakoutSession) -> None:
    clients = await opened()
    maria, aisha, james = clients["maria"], clients["aisha"], clients["james"]
    pe = session.room_of_topic(PARENT)
    n = 1000
    await maria.send("notes.edit", room=pe, base_version=0, text="a\n" * n)
    for client in (maria, aisha):
        await client.expect("notes.updated", lambda m: m["version"] == 1)
    await aisha.send("notes.edit", room=pe, base_version=1, text=_alternating(n, "aisha", odd=True))
    await maria.expect("notes.updated", lambda m: m["version"] == 2)

    async def chat_round_trip(text: str, timeout: float) -> float:
        started = time.monotonic()
        await james.send("chat.send", text=text)
        await james.expect("chat.message", lambda m: m["text"] == text, timeout=timeout)
        return time.monotonic() - started

    baseline = max([await chat_round_trip(f"before {i}", 5.0) for i in range(3)])
    bound = 20 * baseline + 1.0  # generous; the old merge held everyone for ~20 s here
    # Maria's edit is still based on version 1: she changed the other lines.
    await maria.send("notes.edit", id="stale", room=pe, base_version=1, text=_alternating(n, "maria", odd=False))
    # James (in the other room: he shares only the worker with Maria) chats on meanwhile.
    for i in range(4):
        await chat_round_trip(f"during {i}", bound)
    # Both people's lines are kept, and Maria hears about it once.
    merged = await maria.expect("notes.updated", lambda m: m["version"] == 3, timeout=10)
    assert merged["text"] == "".join("maria\n" if i % 2 == 0 else "aisha\n" for i in range(n))
    await maria.barrier()
    assert maria.take("notes.updated") == [] and maria.take("error") == []


@pytest.mark.asyncio
async def test_every_notes_edit_gets_exactly_one_answer(opened: Opened, session: BreakoutSession) -> None:
    clients = await opened()
    jordan, maria, aisha = clients["jordan"], clients["maria"], clients["aisha"]
    pe = session.room_of_topic(PARENT)
    await maria.send("notes.edit", room=pe, base_version=0, text="Ideas\n- tech nights\n")
    await aisha.expect("notes.updated", lambda m: m["version"] == 1)
    await maria.expect("notes.updated", lambda m: m["version"] == 1)

    # The same text again (a retry, a second tab): nothing to save, but an answer all the same.
    await maria.send("notes.edit", room=pe, base_version=1, text="Ideas\n- tech nights\n")
    again = await maria.expect("notes.updated")
    assert (again["version"], again["text"], again["by"]["name"]) == (1, "Ideas\n- tech nights\n", "Maria Garcia")
    # A stale edit that the newer version already contains: merged to the same text, answered.
    await aisha.send("notes.edit", room=pe, base_version=1, text="Ideas\n- tech nights\n- hotspots\n")
    await maria.expect("notes.updated", lambda m: m["version"] == 2)
    await aisha.expect("notes.updated", lambda m: m["version"] == 2)
    await maria.send("notes.edit", room=pe, base_version=1, text="Ideas\n- tech nights\n- hotspots\n")
    assert (await maria.expect("notes.updated"))["version"] == 2
    # A moderator writing from the plenary is not in the room's group: answered directly.
    await jordan.send("notes.edit", room=pe, base_version=2, text="Ideas\n- tech nights\n- hotspots\n- surveys\n")
    assert (await jordan.expect("notes.updated"))["version"] == 3
    await aisha.expect("notes.updated", lambda m: m["version"] == 3)

    for client in (jordan, maria, aisha):  # exactly one each: nothing more arrives
        await client.barrier()
    assert [m["version"] for m in maria.take("notes.updated")] == [3]
    assert aisha.take("notes.updated") == [] and jordan.take("notes.updated") == []
    assert [m for c in (jordan, maria, aisha) for m in c.take("error")] == []
