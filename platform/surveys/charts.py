"""Server-side SVG bar charts: accessible (role="img", <title>, <desc>), no JavaScript."""
from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from surveys.results import Bar

WIDTH = 560
LABEL_WIDTH = 240
ROW = 28
BAR_HEIGHT = 18
MAX_BAR = WIDTH - LABEL_WIDTH - 48  # room on the right for the count


def bar_widths(bars: Sequence[Bar], max_width: int = MAX_BAR) -> list[int]:
    """Bars scale to the largest count; an all-zero chart has no bars at all."""
    top = max((b.count for b in bars), default=0)
    return [round(max_width * b.count / top) if top else 0 for b in bars]


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar]) -> SafeString:
    height = ROW * len(bars) + 8
    desc = "; ".join(f"{b.label}: {b.count}" for b in bars)
    rows = format_html_join("", _ROW, (
        (i * ROW + 4, i * ROW + 4 + BAR_HEIGHT - 4, _short(b.label), LABEL_WIDTH, width,
         LABEL_WIDTH + width + 6, b.count, BAR_HEIGHT)
        for i, (b, width) in enumerate(zip(bars, bar_widths(bars), strict=True))
    ))
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>{5}</svg>',
        chart_id, WIDTH, height, title, desc, rows,
    )


_ROW = ('<g><text x="0" y="{1}" class="chart-label">{2}</text>'
        '<rect x="{3}" y="{0}" width="{4}" height="{7}" class="chart-bar" fill="#1d4ed8"></rect>'
        '<text x="{5}" y="{1}" class="chart-count">{6}</text></g>')


def _short(label: str, limit: int = 34) -> str:
    # The full label is in <desc> and in the data table next to the chart.
    return label if len(label) <= limit else label[: limit - 1] + "…"
