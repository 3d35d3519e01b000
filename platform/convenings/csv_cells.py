"""Spreadsheet-safe CSV cells, shared by every CSV Convene writes or reads back.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a tab or carriage
return, which some of them skip before looking) as a formula, so a participant named
``=HYPERLINK(...)`` would become a live link in an organizer's spreadsheet. Such a
cell is written with a leading apostrophe, which spreadsheets show as text.

Files Convene exports are also imported back (the roster, a breakout plan), so
:func:`cell_text` undoes :func:`safe_cell` exactly: ``cell_text(safe_cell(s)) == s``
for every string ``s``. A value that already starts with apostrophes before a formula
character gets one more, so an apostrophe a person really typed survives the trip.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE_NEEDED = re.compile(r"'*[=+\-@\t\r]")  # what safe_cell prefixes with one apostrophe
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")  # what cell_text strips one apostrophe from


def safe_cell(value: object) -> str:
    """The text of one CSV cell, never a formula (None is an empty cell)."""
    text = "" if value is None else str(value)
    return "'" + text if _ESCAPE_NEEDED.match(text) else text


def cell_text(cell: str) -> str:
    """The value :func:`safe_cell` wrote, read back from a cell of an imported file."""
    return cell[1:] if _ESCAPED.match(cell) else cell


def write_csv(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text, every cell through :func:`safe_cell`.

    Lines end in CRLF (RFC 4180) on purpose: the csv module quotes a cell only for the
    characters of its line terminator, so with a bare "\n" a name holding a carriage
    return would be written unquoted and split its row in two when read back.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
