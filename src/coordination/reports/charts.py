"""Inline SVG charts, generated server-side (no script, no external resource): accessible bar charts with
an optional interval per bar. Text is French; every chart has a <title> and a <desc> for screen readers,
and the same figures are always given in a table next to it.

Neutral (no web import): drawn by the pages and by the PDF reports alike."""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

INK, BAR, LIGHT, REF = "#1b1b1f", "#123e73", "#d5d9e0", "#a1221b"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


LABEL_CHARS = 24
"""Characters per label line at 13 px in the 170 px label column; longer names wrap, never cut."""
LINE = 15


def label_lines(label: str, width: int = LABEL_CHARS) -> list[str]:
    """A partner's whole name over as many lines as it needs (a word longer than a line is split)."""
    return textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=False) or [""]


def chart_id(title: str, bars: list[Bar]) -> str:
    """An id unique to this chart (its title and labels), so two charts on one page never share the ids
    their ``aria-labelledby`` points to."""
    digest = hashlib.sha256("\x1f".join([title, *(b.label for b in bars)]).encode()).hexdigest()
    return f"graphique-{digest[:10]}"


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    maximum: float | None = None,
    reference: float | None = None,
    percent: bool = False,
    width: int = 520,
    masked_text: str = "masqué (moins de 5 personnes)",
) -> Markup:
    """Horizontal bars (readable on a phone: labels never overlap, long names wrap over several lines);
    ``None`` values are shown as « masqué »."""
    left, right, top = 170, 60, 30
    wrapped = [label_lines(bar.label) for bar in bars]
    rows = [max(34, 12 + LINE * len(lines)) for lines in wrapped]
    height = top + sum(rows or [34]) + 30
    known = [v for b in bars for v in (b.value, b.high) if v is not None]
    top_value = maximum or max([*known, reference or 0, 1e-9])
    scale = (width - left - right) / top_value
    ident = chart_id(title, bars)

    def fmt(v: float) -> str:
        return f"{v * 100:.0f} %" if percent else f"{v:.2f}".replace(".", ",")

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{ident}-titre {ident}-desc">',
        f'<title id="{ident}-titre">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>',
        f'<text x="0" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>',
    ]
    y = top
    for bar, lines, row in zip(bars, wrapped, rows, strict=True):
        middle = y + row / 2
        first = middle + 5 - (len(lines) - 1) * LINE / 2
        spans = "".join(
            f'<tspan x="{left - 8}" y="{first + i * LINE:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text font-size="13" text-anchor="end" fill="{INK}">{spans}</text>')
        if bar.value is None:
            parts.append(
                f'<text x="{left + 4}" y="{middle + 5:.1f}" font-size="12" fill="#4a4d55">{escape(masked_text)}</text>'
            )
            y += row
            continue
        w = max(bar.value * scale, 1)
        parts.append(f'<rect x="{left}" y="{middle - 10:.1f}" width="{w:.1f}" height="20" fill="{BAR}"/>')
        if bar.low is not None and bar.high is not None:
            x1, x2 = left + bar.low * scale, left + bar.high * scale
            parts.append(
                f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{middle:.1f}" y2="{middle:.1f}" stroke="{INK}" stroke-width="2"/>'
                f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{middle - 6:.1f}" y2="{middle + 6:.1f}" stroke="{INK}" stroke-width="2"/>'
                f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{middle - 6:.1f}" y2="{middle + 6:.1f}" stroke="{INK}" stroke-width="2"/>'
            )
        end = left + max(w, (bar.high or 0) * scale)
        parts.append(
            f'<text x="{end + 6:.1f}" y="{middle + 5:.1f}" font-size="12" fill="{INK}">{fmt(bar.value)}</text>'
        )
        y += row
    if reference is not None:
        x = left + reference * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 24}" stroke="{REF}" stroke-dasharray="4 3" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{height - 8}" font-size="12" text-anchor="middle" fill="{REF}">référence {fmt(reference)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above goes through html.escape
