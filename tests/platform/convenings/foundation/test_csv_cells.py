"""The one spreadsheet-safe cell rule: no exported cell is a formula, and import undoes it exactly."""
from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from convenings.csv_cells import FORMULA_START, cell_text, safe_cell, write_csv

# Text biased towards the characters that matter: formula starts and apostrophes.
tricky = st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "\n", ",", '"', "a", "1", " "]))
cells = st.one_of(tricky, st.text())


@given(cells)
def test_no_cell_starts_a_formula(value: str) -> None:
    assert not safe_cell(value).startswith(FORMULA_START)


@given(cells)
def test_reading_a_cell_back_gives_the_value_written(value: str) -> None:
    assert cell_text(safe_cell(value)) == value


@given(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=1, max_size=4))
def test_a_written_file_reads_back_as_its_rows(rows: list[list[str]]) -> None:
    text = write_csv(rows)
    assert [[cell_text(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))] == rows


def test_what_a_spreadsheet_sees() -> None:
    assert safe_cell('=HYPERLINK("http://evil.example","x")') == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert [safe_cell(v) for v in ["+1", "-1", "@me", "\tx", "\rx"]] == ["'+1", "'-1", "'@me", "'\tx", "'\rx"]
    assert [safe_cell(v) for v in ["Ana", "O'Neil", "'quoted'", 3, None]] == ["Ana", "O'Neil", "'quoted'", "3", ""]
    assert safe_cell("'=typed with an apostrophe") == "''=typed with an apostrophe"
