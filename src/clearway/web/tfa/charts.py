"""Charts drawn on the server as SVG (no script; colours as presentation attributes, which the page's
Content-Security-Policy allows where inline style is refused). Every chart has a title and is shown beside
a data table holding the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#12355b", "#c0392b", "#1e8449", "#b7950b", "#7d3c98", "#148f77", "#5d6d7e", "#d35400")
Number = Decimal | int | float | None


def _num(value: Number) -> float | None:
    return None if value is None else float(value)


def bars(title: str, items: Sequence[tuple[str, Number]], *, top: float = 100.0, unit: str = "%") -> Markup:
    """Horizontal bars, one per (label, value); a missing value is drawn as 'no data'."""
    row, label_w, width = 24, 170, 620
    height = row * len(items) + 30
    scale = (width - label_w - 70) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="#1b2631">'
                     f'{escape(label)}</text>')
        v = _num(value)
        if v is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 15}" font-size="12" fill="#5d6d7e">no data</text>')
            continue
        w = max(1.0, v * scale)
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12" fill="#1b2631">{v:g}{escape(unit)}'
                     f'</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(title: str, xs: Sequence[str], series: dict[str, Sequence[Number]], *, top: float = 100.0,
          unit: str = "%") -> Markup:
    """One line per series over the x labels (a gap where a value is missing), with a legend."""
    width, left, right, upper, plot_h = 640, 44, 24, 14, 230
    plot_w = width - left - right
    legend_top = upper + plot_h + 34  # the legend under the plot, one line per series: long names are not cut
    height = legend_top + 18 * len(series) + 6
    step = plot_w / max(1, len(xs) - 1)
    y_of = lambda v: upper + plot_h - v / top * plot_h  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for tick in range(0, int(top) + 1, int(top) // 4 or 1):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#5d6d7e">'
                     f'{tick}{escape(unit)}</text>')
    for i, x in enumerate(xs):
        parts.append(f'<text x="{left + i * step:.1f}" y="{upper + plot_h + 18}" text-anchor="middle" font-size="11" '
                     f'fill="#5d6d7e">{escape(x)}</text>')
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = [(left + i * step, y_of(v)) for i, v in enumerate(map(_num, values)) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        ly = legend_top + n * 18
        parts.append(f'<rect x="{left}" y="{ly}" width="14" height="4" fill="{colour}"/>'
                     f'<text x="{left + 20}" y="{ly + 6}" font-size="12" fill="#1b2631">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
