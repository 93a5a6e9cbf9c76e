"""Bar charts drawn on the server as accessible SVG, for the transparency report.

No JavaScript and nothing fetched from elsewhere: each chart is an ``<svg role="img">``
named by its title, described by a sentence that carries every number, with each bar's
label above it (so long house-rule titles fit) and its value printed beside it. Colours
meet WCAG's 3:1 contrast for graphics against the forum's default background, and follow
the host's ``--cf-accent`` and ``--cf-text`` through CSS; pages put the same numbers in a
table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
ROW_GAP = 12
VALUE_ROOM = 64
LABEL_CHARACTERS = 78
BAR_COLOUR = "#0b5394"
TEXT_COLOUR = "#1b1b1b"
ZERO_COLOUR = "#595959"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def _shortened(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def describe(bars: Sequence[Bar]) -> str:
    """Every bar in one sentence: the chart's text alternative."""
    return "; ".join(f"{bar.label}: {bar.value}" for bar in bars) + "."


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar]) -> Markup:
    """A horizontal bar chart.

    :param chart_id: unique on the page; the title and description get ids from it.
    :param title: what the chart shows, its accessible name.
    """
    row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(row * len(bars), row)
    longest = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - VALUE_ROOM
    parts = [
        f'<svg class="cf-chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-size="15" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(describe(bars))}</desc>',
    ]
    for index, bar in enumerate(bars):
        top = index * row
        length = round(room * bar.value / longest)
        bar_top = top + LABEL_HEIGHT
        parts.append(
            f'<text class="cf-chart-text" x="0" y="{top + LABEL_HEIGHT - 5}" fill="{TEXT_COLOUR}">'
            f"{escape(_shortened(bar.label))}</text>"
        )
        if bar.value:
            parts.append(
                f'<rect class="cf-chart-bar" x="0" y="{bar_top}" width="{length}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}" rx="2"/>'
            )
        else:
            # Zero is drawn as a thin mark, so an empty bar reads as "none" and not "missing".
            parts.append(
                f'<rect class="cf-chart-zero" x="0" y="{bar_top}" width="2" height="{BAR_HEIGHT}" '
                f'fill="{ZERO_COLOUR}"/>'
            )
        parts.append(
            f'<text class="cf-chart-text" x="{max(length, 2) + 8}" y="{bar_top + BAR_HEIGHT - 4}" '
            f'fill="{TEXT_COLOUR}" font-weight="700">{bar.value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
