"""Pure parts: JSON round trips, space-safe room keys, and the notes' three-way merge."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import live
from rooms.breakouts import codec, keys
from rooms.breakouts.merge import merge3
from rooms.planning import Person, PlanOptions, Topic, plan_breakouts
from signaling.protocol.base import SPACE_PATTERN

PEOPLE = [Person(i, region=["Bay Area", "North Coast"][i % 2], interests=("t1", "t2")[i % 2:], team=f"x{i // 3}")
          for i in range(1, 13)]
TOPICS = [Topic("t1", "Parent Engagement"), Topic("t2", "Professional Learning")]


def test_plan_and_live_state_survive_json() -> None:
    options = PlanOptions(strategy="region", room_count=4, teams="spread", seed=3)
    plan = plan_breakouts(PEOPLE, TOPICS, options)
    assert codec.options_from_json(codec.options_to_json(options)) == options
    again = codec.plan_from_json(codec.plan_to_json(plan))
    assert again == plan
    state, _ = live.open_all(plan, 1000.0, 600, capacity=5)
    state, _ = live.request_help(state, PEOPLE[0].id, 1001.0)
    restored = codec.live_from_json(codec.live_to_json(state))
    assert restored == live.LiveBreakouts(**{**vars(state), "history": ()})
    assert all(isinstance(p, int) for p in restored.assignments)


def test_region_room_keys_become_space_keys_unique_per_session() -> None:
    plan = keys.with_space_keys(plan_breakouts(PEOPLE, TOPICS, PlanOptions(strategy="region", room_count=4)), 12)
    found = [r.key for r in plan.rooms]
    assert len(set(found)) == 4
    assert all(k.startswith("s12-region-") for k in found)
    assert all(re.match(SPACE_PATTERN, k) for k in found)
    assert keys.with_space_keys(plan, 12) == plan  # already safe: kept
    assert keys.new_room_key(plan, 12) == "s12-added-1"


@pytest.mark.parametrize(("base", "ours", "theirs", "merged"), [
    ("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", "A\nb\nC\n"),  # different lines
    ("a\nb\nc\n", "a\nb\nc\nd\n", "z\na\nb\nc\n", "z\na\nb\nc\nd\n"),  # appended and prepended
    ("a\nb\n", "a\nX\n", "a\nX\n", "a\nX\n"),  # the same change twice
    ("a\nb", "a\nb\nc", "A\nb", "A\nb\nc"),  # no final newline
    ("", "", "first words\n", "first words\n"),
])
def test_edits_to_different_lines_merge(base: str, ours: str, theirs: str, merged: str) -> None:
    assert merge3(base, ours, theirs) == merged


@pytest.mark.parametrize(("base", "ours", "theirs"), [
    ("a\nb\nc\n", "a\nB\nc\n", "a\nbee\nc\n"),  # the same line, differently
    ("a\nb\n", "a\nmine\nb\n", "a\ntheirs\nb\n"),  # two insertions at one place
    ("a\nb\nc\n", "a\nc\n", "a\nB\nc\n"),  # one deletes what the other edits
])
def test_overlapping_edits_conflict(base: str, ours: str, theirs: str) -> None:
    assert merge3(base, ours, theirs) is None


lines = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=8).map(lambda ls: "".join(f"{x}\n" for x in ls))


@settings(max_examples=300, deadline=None)
@given(base=lines, ours=lines, theirs=lines)
def test_a_merge_never_loses_an_edit(base: str, ours: str, theirs: str) -> None:
    merged = merge3(base, ours, theirs)
    if merged is None:
        return
    # Merging is symmetric in content, and each side's result is recovered when the other made no change.
    assert merge3(base, ours, base) == ours and merge3(base, base, theirs) == theirs
    for side in (ours, theirs):
        for line in set(side.splitlines()) - set(base.splitlines()):
            assert line in merged.splitlines()  # every line someone added is there


@st.composite
def two_edits(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    """A base of distinct lines, and two people's versions of it: each deletes some lines
    and inserts lines of their own, so every line says where it came from."""
    base = [f"line {i}\n" for i in range(draw(st.integers(0, 8)))]

    def edited(who: str) -> list[str]:
        kept = [line for line in base if draw(st.booleans())]
        for n, at in enumerate(sorted(draw(st.lists(st.integers(0, len(kept)), max_size=3)), reverse=True)):
            kept.insert(at, f"{who} {n}\n")
        return kept

    return base, edited("ours"), edited("theirs")


@settings(max_examples=400, deadline=None)
@given(two_edits())
def test_a_merge_keeps_both_sides_deletions_and_additions(edits: tuple[list[str], list[str], list[str]]) -> None:
    base, ours, theirs = edits
    merged = merge3("".join(base), "".join(ours), "".join(theirs))
    if merged is None:
        return  # a conflict is refused with the current text, never guessed
    lines = merged.splitlines(keepends=True)
    survivors = [line for line in base if line in ours and line in theirs]  # deleted by either side: gone
    assert sorted(lines) == sorted({*survivors, *(set(ours) - set(base)), *(set(theirs) - set(base))})
    for side in (ours, theirs):  # each side's lines keep their order
        assert [line for line in lines if line in side] == [line for line in side if line in lines]
