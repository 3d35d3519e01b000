"""Properties of the pure ranking functions: ranks stay 1..n, nothing is lost or invented."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from action_items import ranking
from action_items.ranking import Entry, ListFull, NotInList

# A small alphabet: what matters is equality of texts, not Unicode coverage.
TEXT = st.text(alphabet="ab xy", max_size=6)
# No per-example deadline: these are pure and fast, and a busy shared machine made the
# default 200 ms fail them now and then for reasons that say nothing about ranking.
RELAXED = settings(deadline=None)


@st.composite
def lists(draw: st.DrawFn, max_size: int = 5) -> list[Entry]:
    """Saved lists as they might come from the database: unique keys, any ranks (gaps, ties)."""
    keys = draw(st.lists(st.integers(1, 1000), unique=True, max_size=max_size))
    return [Entry(k, draw(TEXT), draw(st.integers(1, 5))) for k in keys]


def ranks(entries: list[Entry]) -> list[int]:
    return [e.rank for e in entries]


def contiguous(entries: list[Entry]) -> bool:
    return ranks(entries) == list(range(1, len(entries) + 1))


def keys(entries: list[Entry]) -> list[int | None]:
    return [e.key for e in entries]


@RELAXED
@given(lists())
def test_rerank_is_contiguous_keeps_order_and_is_idempotent(entries: list[Entry]) -> None:
    result = ranking.rerank(entries)
    assert contiguous(result)
    assert Counter(keys(result)) == Counter(keys(entries))
    assert ranking.rerank(result) == result
    original_ranks = {e.key: e.rank for e in entries}
    assert [original_ranks[k] for k in keys(result)] == sorted(original_ranks.values())


@RELAXED
@given(lists(max_size=4), TEXT.filter(bool), st.one_of(st.none(), st.integers(-3, 9)))
def test_insert_adds_one_item_at_the_clamped_rank(entries: list[Entry], text: str, at: int | None) -> None:
    result = ranking.insert(entries, text, at)
    assert contiguous(result) and len(result) == len(entries) + 1
    [new] = [e for e in result if e.key is None]
    assert new.text == text
    assert new.rank == (len(result) if at is None else min(max(at, 1), len(result)))
    others = [e.key for e in result if e.key is not None]
    assert others == keys(ranking.rerank(entries))  # everyone else keeps their relative order


@RELAXED
@given(lists(max_size=5).filter(lambda e: len(e) == 5), TEXT)
def test_a_full_list_refuses_another_item(entries: list[Entry], text: str) -> None:
    with pytest.raises(ListFull):
        ranking.insert(entries, text)


@RELAXED
@given(lists().filter(bool), st.data())
def test_remove_drops_exactly_that_item(entries: list[Entry], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(keys(entries)))
    result = ranking.remove(entries, key)
    assert contiguous(result)
    assert keys(result) == [k for k in keys(ranking.rerank(entries)) if k != key]


@RELAXED
@given(lists().filter(bool), st.data(), st.integers(-2, 8))
def test_move_puts_the_item_at_the_clamped_rank(entries: list[Entry], data: st.DataObject, to: int) -> None:
    key = data.draw(st.sampled_from(keys(entries)))
    result = ranking.move(entries, key, to)
    assert contiguous(result) and Counter(keys(result)) == Counter(keys(entries))
    moved = next(e for e in result if e.key == key)
    assert moved.rank == min(max(to, 1), len(entries))
    assert [k for k in keys(result) if k != key] == [k for k in keys(ranking.rerank(entries)) if k != key]


@RELAXED
@given(lists().filter(lambda e: len(e) >= 2), st.data())
def test_move_up_then_down_is_a_round_trip(entries: list[Entry], data: st.DataObject) -> None:
    normal = ranking.rerank(entries)
    key = data.draw(st.sampled_from(keys(normal)[1:]))  # anything but the top item
    assert ranking.move_down(ranking.move_up(normal, key), key) == normal


@RELAXED
@given(lists().filter(bool), st.data())
def test_moving_the_top_item_up_or_the_last_down_changes_nothing(entries: list[Entry], data: st.DataObject) -> None:
    normal = ranking.rerank(entries)
    assert ranking.move_up(normal, normal[0].key) == normal  # type: ignore[arg-type]
    assert ranking.move_down(normal, normal[-1].key) == normal  # type: ignore[arg-type]


@RELAXED
@given(lists().filter(bool), st.data(), TEXT)
def test_edit_changes_only_the_text(entries: list[Entry], data: st.DataObject, text: str) -> None:
    key = data.draw(st.sampled_from(keys(entries)))
    before, after = ranking.rerank(entries), ranking.edit(entries, key, text)
    assert keys(after) == keys(before)
    assert [e.text for e in after] == [text if e.key == key else e.text for e in before]


def test_unknown_key_is_reported() -> None:
    with pytest.raises(NotInList):
        ranking.move_up([Entry(1, "a", 1)], 2)
