"""Inline SVG charts, generated server-side (no script, no external resource): accessible bar charts with
an optional interval per bar. Text is French; every chart has a <title> and a <desc> for screen readers,
and the same figures are always given in a table next to it."""

from __future__ import annotations

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


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    description: str,
    maximum: float | None = None,
    reference: float | None = None,
    percent: bool = False,
    width: int = 520,
) -> Markup:
    """Horizontal bars (readable on a phone: labels never overlap); ``None`` values are shown as « masqué »."""
    row, left, right, top = 34, 170, 60, 30
    height = top + row * max(len(bars), 1) + 30
    known = [v for b in bars for v in (b.value, b.high) if v is not None]
    top_value = maximum or max([*known, reference or 0, 1e-9])
    scale = (width - left - right) / top_value

    def fmt(v: float) -> str:
        return f"{v * 100:.0f} %" if percent else f"{v:.2f}".replace(".", ",")

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="t d">',
        f'<title id="t">{escape(title)}</title><desc id="d">{escape(description)}</desc>',
        f'<text x="0" y="18" font-size="14" font-weight="600" fill="{INK}">{escape(title)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 20}" font-size="13" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label[:28])}</text>"
        )
        if bar.value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + 20}" font-size="12" fill="#4a4d55">masqué (moins de 5 personnes)</text>'
            )
            continue
        w = max(bar.value * scale, 1)
        parts.append(f'<rect x="{left}" y="{y + 6}" width="{w:.1f}" height="20" fill="{BAR}"/>')
        if bar.low is not None and bar.high is not None:
            x1, x2 = left + bar.low * scale, left + bar.high * scale
            parts.append(
                f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y + 16}" y2="{y + 16}" stroke="{INK}" stroke-width="2"/>'
                f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{y + 10}" y2="{y + 22}" stroke="{INK}" stroke-width="2"/>'
                f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{y + 10}" y2="{y + 22}" stroke="{INK}" stroke-width="2"/>'
            )
        end = left + max(w, (bar.high or 0) * scale)
        parts.append(
            f'<text x="{end + 6:.1f}" y="{y + 20}" font-size="12" fill="{INK}">{fmt(bar.value)}</text>'
        )
    if reference is not None:
        x = left + reference * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 24}" stroke="{REF}" stroke-dasharray="4 3" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{height - 8}" font-size="12" text-anchor="middle" fill="{REF}">référence {fmt(reference)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above goes through html.escape
