"""Keep a Top 5 list ranked 1..n with no gaps. Pure functions: lists in, new lists out.

Every function first repairs its input with ``rerank`` (sorted by rank, renumbered), so
a list with gaps, say after an item was deleted in the admin, comes out contiguous.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from action_items.models import MAX_ITEMS


@dataclass(frozen=True)
class Entry:
    key: int | None  # the database id; None for an item not saved yet
    text: str
    rank: int


class ListFull(Exception):
    """The list already has its maximum number of items."""


class NotInList(Exception):
    """No item with that key is in the list."""


def rerank(entries: Sequence[Entry]) -> list[Entry]:
    # sorted() is stable: items that share a rank keep their relative order.
    ordered = sorted(entries, key=lambda e: e.rank)
    return [replace(e, rank=i) for i, e in enumerate(ordered, start=1)]


def insert(entries: Sequence[Entry], text: str, at: int | None = None, limit: int = MAX_ITEMS) -> list[Entry]:
    """Add ``text`` at rank ``at`` (clamped to 1..n+1; default: last)."""
    items = rerank(entries)
    if len(items) >= limit:
        raise ListFull(limit)
    position = len(items) if at is None else min(max(at, 1), len(items) + 1) - 1
    items.insert(position, Entry(None, text, 0))
    return rerank_positions(items)


def remove(entries: Sequence[Entry], key: int) -> list[Entry]:
    items = rerank(entries)
    del items[_index(items, key)]
    return rerank_positions(items)


def move(entries: Sequence[Entry], key: int, to_rank: int) -> list[Entry]:
    """Move an item to ``to_rank`` (clamped to 1..n); the others shift to make room."""
    items = rerank(entries)
    item = items.pop(_index(items, key))
    items.insert(min(max(to_rank, 1), len(items) + 1) - 1, item)
    return rerank_positions(items)


def move_up(entries: Sequence[Entry], key: int) -> list[Entry]:
    return move(entries, key, _rank_of(entries, key) - 1)


def move_down(entries: Sequence[Entry], key: int) -> list[Entry]:
    return move(entries, key, _rank_of(entries, key) + 1)


def edit(entries: Sequence[Entry], key: int, text: str) -> list[Entry]:
    items = rerank(entries)
    index = _index(items, key)
    items[index] = replace(items[index], text=text)
    return items


def rerank_positions(items: Sequence[Entry]) -> list[Entry]:
    """Ranks from list positions: the list order is the new ranking."""
    return [replace(e, rank=i) for i, e in enumerate(items, start=1)]


def _index(items: Sequence[Entry], key: int) -> int:
    for i, entry in enumerate(items):
        if entry.key == key:
            return i
    raise NotInList(key)


def _rank_of(entries: Sequence[Entry], key: int) -> int:
    items = rerank(entries)
    return items[_index(items, key)].rank
