"""Pure parts of captions: line rules, who may read, and the WebVTT and text a transcript becomes."""
from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import webvtt
from hypothesis import given
from hypothesis import strategies as st

from captions.access import was_there
from captions.rules import LineStep, attribution, clean_line, line_step, takes_automatic
from captions.transcript import Line, Transcript, plain_text, vtt_time
from captions.transcript import webvtt as to_webvtt

T0 = dt.datetime(2025, 10, 14, 16, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_partial_lines_update_and_a_final_line_commits() -> None:
    assert line_step(False, "Our atte", False) == LineStep(create=True, publish=True, commit=False)
    assert line_step(True, "Our attendance", False) == LineStep(create=False, publish=True, commit=False)
    assert line_step(True, "Our attendance team.", True) == LineStep(create=False, publish=True, commit=True)
    assert line_step(False, "Typed at once.", True) == LineStep(create=True, publish=True, commit=True)
    assert line_step(False, "", False) == LineStep(create=False, publish=False, commit=False)
    assert line_step(True, "", False).publish  # clearing a line being typed clears it for everyone


def test_a_person_captioning_wins_over_automatic_captions() -> None:
    assert takes_automatic(person_captioning=False)
    assert not takes_automatic(person_captioning=True)


def test_attribution_is_honest() -> None:
    assert attribution("person", "Dana Brooks") == "Captions by Dana Brooks (CART)"
    assert attribution("automatic", None) == "Automatic captions — may contain errors"


def test_clean_line_makes_one_line() -> None:
    assert clean_line("  Welcome\n\nback,\tall  ") == "Welcome back, all"


def test_own_room_means_there_while_it_was_captioned() -> None:
    assert was_there([(at(0), at(100))], at(50), at(200))
    assert was_there([(at(0), None)], at(500), at(600))  # still there
    assert not was_there([(at(0), at(10))], at(50), at(200))  # left before the captions began
    assert not was_there([(at(300), None)], at(50), at(200))  # came after they ended
    assert not was_there([], at(0), at(1))


STRICT_TIMING = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def strict_check(text: str) -> list[tuple[float, float, str]]:
    """The WebVTT file format, checked by hand: signature, blank-line separated blocks, a timing
    line per cue with end after start, and no payload line that could be read as a timing."""
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text.split("\n\n")[1:]:
        if not block.strip():
            continue
        lines = block.strip("\n").split("\n")
        if lines[0].startswith("NOTE"):
            assert all("-->" not in line for line in lines)
            continue
        timing_at = 1 if "-->" not in lines[0] else 0
        match = STRICT_TIMING.match(lines[timing_at])
        assert match, lines[timing_at]
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        assert end > start
        payload = lines[timing_at + 1:]
        assert payload and all(line and "-->" not in line for line in payload)
        cues.append((start, end, "\n".join(payload)))
    return cues


def _doc(*lines: Line) -> Transcript:
    return Transcript(title="North Coast Roundtable · Opening plenary · Plenary", origin=T0, lines=lines)


def test_webvtt_is_valid_and_counts_from_the_session_start() -> None:
    doc = _doc(Line("Welcome back, everyone.", at(62.5), at(65.25), "person", captioner="Dana Brooks"),
               Line("Tom & Jerry <script> --> not a timing", at(3700), at(3700), "person", captioner="Dana Brooks"),
               Line("The engine heard this.", at(3710), at(3712), "automatic", speaker="Angela Whitfield"))
    text = to_webvtt(doc)
    cues = strict_check(text)
    assert [c[:2] for c in cues] == [(62.5, 65.25), (3700.0, 3701.0), (3710.0, 3712.0)]
    parsed = webvtt.from_buffer(io.StringIO(text))  # a well-known parser agrees
    assert [(c.start, c.end) for c in parsed] == [("00:01:02.500", "00:01:05.250"), ("01:01:40.000", "01:01:41.000"),
                                                   ("01:01:50.000", "01:01:52.000")]
    assert parsed[0].text == "Welcome back, everyone."
    assert parsed[1].text == "Tom &amp; Jerry &lt;script&gt; -- &gt; not a timing"
    assert parsed[2].raw_text == "<v Angela Whitfield>The engine heard this."


@given(st.lists(st.tuples(st.floats(0, 20_000), st.floats(0, 30), st.text(min_size=1, max_size=80)), max_size=8))
def test_any_lines_make_a_valid_file(items: list[tuple[float, float, str]]) -> None:
    lines = [Line(text, at(start), at(start + length), "person", captioner="X") for start, length, text in items
             if clean_line(text)]
    cues = strict_check(to_webvtt(_doc(*lines)))
    assert len(cues) == len(lines)


@given(st.floats(0, 360_000))
def test_vtt_time_round_trips(seconds: float) -> None:
    match = re.fullmatch(r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})", vtt_time(seconds))
    assert match and abs(_seconds(*match.groups()) - seconds) <= 0.0005 + 1e-9


def test_plain_text_has_local_times_and_who_captioned() -> None:
    doc = _doc(Line("Welcome back.", at(62), at(65), "person", captioner="Dana Brooks"),
               Line("Heard by the engine.", at(70), at(72), "automatic", speaker="Angela Whitfield"))
    text = plain_text(doc, ZoneInfo("America/Los_Angeles"))
    assert text.splitlines() == [
        "North Coast Roundtable · Opening plenary · Plenary",
        "Captioned by: Dana Brooks (CART), automatic captions (may contain errors)",
        "",
        "09:01:02  Welcome back.",
        "09:01:10  Angela Whitfield: Heard by the engine.",
    ]
