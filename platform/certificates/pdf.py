"""The certificate as a PDF (fpdf2), drawn from an issued certificate's snapshot only.

Fonts: PDF's built-in Helvetica covers Latin-1 only, and names are not all Latin-1
(Nguyễn, Łukasz, 王). A certificate whose text is all Latin-1 uses Helvetica (nothing to
embed: about 30 ms and 2 KB a PDF). Otherwise a Unicode TrueType font is embedded when one is
found (``CERTIFICATE_FONT`` in settings or the environment, else DejaVu Sans where Debian
installs it; parsing and subsetting it takes 150–250 ms and 20 KB). Characters the chosen font lacks are
reduced to their base letters (ễ → e) or shown as "?", never silently dropped, so a
certificate is always produced and never prints a shortened name.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import unicodedata
import zoneinfo
from pathlib import Path

from django.conf import settings
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from certificates import codes
from certificates.hours import hours_text
from config.env import env_str

_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/TTF/DejaVuSans.ttf")
_BOLD = {"DejaVuSans.ttf": "DejaVuSans-Bold.ttf"}
FAMILY = "CertificateSans"


# fontTools logs every subsetting step at INFO: noise in the server's log for each PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)
LATIN1 = frozenset(range(256))
DASHES = "\u2013\u2014"  # in date ranges; Helvetica draws them as "-"
# Letters Unicode does not decompose into a base letter and a mark.
_NO_DECOMPOSITION = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe"}


@functools.cache
def unicode_font() -> tuple[Path, Path, frozenset[int]] | None:
    """(regular, bold, characters covered) of a TrueType font, or None if there is none."""
    configured = getattr(settings, "CERTIFICATE_FONT", "") or env_str("CERTIFICATE_FONT")
    for candidate in ([configured] if configured else []) + list(_CANDIDATES):
        regular = Path(candidate)
        if regular.is_file():
            bold = regular.with_name(_BOLD.get(regular.name, regular.name))
            covered = frozenset(TTFont(regular, lazy=True).getBestCmap())
            return regular, bold if bold.is_file() else regular, covered
    return None


def drawable(text: str, covered: frozenset[int]) -> str:
    """``text`` with each character the font lacks reduced to its base letters, else "?"."""
    out = []
    for ch in text:
        if ord(ch) in covered:
            out.append(ch)
            continue
        base = "-" if ch in DASHES else _NO_DECOMPOSITION.get(ch) or "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) in covered for c in base) else "?")
    return "".join(out)


def _texts(content: dict) -> str:
    return " ".join([content["name"], content["convening"], content["dates"], content["organization"],
                     *(s["title"] + s["category"] for s in content["sessions"]),
                     *(t["category"] for t in content["totals"])])


class _Certificate(FPDF):
    def __init__(self, content: dict) -> None:
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        font = None if all(ord(ch) < 256 or ch in DASHES for ch in _texts(content)) else unicode_font()
        if font:
            self.add_font(FAMILY, "", str(font[0]))
            self.add_font(FAMILY, "B", str(font[1]))
        self.face = FAMILY if font else "Helvetica"
        self.covered = font[2] if font else LATIN1
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(22, 20, 22)

    def fit(self, text: str) -> str:
        return drawable(text, self.covered)

    def line_of(self, text: str, size: float, *, bold: bool = False, align: str = "C", gap: float = 2) -> None:
        self.set_font(self.face, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.fit(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)


def render(content: dict, code: str, issued_at: dt.datetime, verify_url: str) -> bytes:
    """The PDF bytes for one certificate."""
    tz = zoneinfo.ZoneInfo(content.get("time_zone") or "UTC")
    doc = _Certificate(content)
    doc.set_title(doc.fit(f"Certificate of attendance: {content['name']}"))
    doc.set_author(doc.fit(content["organization"]))
    doc.set_creator("Convene")
    doc.add_page()
    doc.set_draw_color(40, 70, 120)
    doc.set_line_width(0.8)
    doc.rect(10, 10, doc.w - 20, doc.h - 20)
    doc.ln(6)
    doc.line_of("Certificate of Attendance", 26, bold=True, gap=6)
    doc.line_of("This certifies that", 12)
    doc.line_of(content["name"], 22, bold=True, gap=4)
    doc.line_of(f"attended {content['convening']}", 13, gap=1)
    doc.line_of(content["dates"], 12, gap=6)
    for total in content["totals"]:
        doc.line_of(f"{hours_text(total['minutes'])} hours of {total['category']} credit", 14, bold=True, gap=1)
    doc.ln(5)
    _sessions(doc, content)
    doc.ln(4)
    doc.line_of(f"Total: {hours_text(content['total_minutes'])} hours", 11, bold=True, align="L")
    doc.line_of(f"A session counts its hours when attended for at least {content['percent']}% of it.", 9,
                align="L", gap=6)
    doc.line_of(f"Issued by {content['organization']} on {_date(issued_at.astimezone(tz))}.", 11, align="L")
    doc.line_of(f"Verification code: {codes.grouped(code)}", 11, bold=True, align="L", gap=1)
    doc.line_of(f"Check this certificate at {verify_url}", 9, align="L")
    return bytes(doc.output())


def _sessions(doc: _Certificate, content: dict) -> None:
    doc.set_font(doc.face, "", 10)
    with doc.table(col_widths=(90, 30, 26, 26), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
                   line_height=6) as table:
        table.row(["Session", "Category", "Minutes attended", "Hours"])
        for session in content["sessions"]:
            table.row([doc.fit(session["title"]), doc.fit(session["category"]),
                       str(session["minutes_attended"]), hours_text(session["credit_minutes"])])


def _date(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"
