"""Charts drawn on the server as SVG: no script, no asset from another host, readable without JavaScript
(and by a screen reader, through the data table beside each chart). No database here."""

from __future__ import annotations

import math
from html import escape

from clearway.dashboard.core import Indicator, display

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 22, 26
COLOURS = ("#1f5f99", "#d68910", "#1e8449", "#c0392b", "#7d3c98", "#5d6d7e")


def _ticks(top: float) -> list[float]:
    """Four round steps from 0 to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20) if m * magnitude >= raw)
    return [step * i for i in range(5)]


def svg(ind: Indicator) -> str:
    """The chart of an indicator (bars grouped by label, or lines), with its title and units as text. The
    legend is HTML beside it (legend_classes), so that it wraps on a phone."""
    labels: list[str] = []
    for s in ind.series:
        labels += [label for label, _ in s.points if label not in labels]
    values = [float(v) for s in ind.series for _, v in s.points if v is not None]
    if not labels or not values:
        return ""
    lo = min(0.0, min(values))
    ticks = _ticks(max(values) - lo)
    ticks = [t + lo for t in ticks]
    span = (ticks[-1] - lo) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y = lambda v: TOP + plot_h * (1 - (v - lo) / span)  # noqa: E731
    slot = plot_w / len(labels)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t-{ind.key}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="t-{ind.key}">{escape(ind.title)} ({escape(ind.unit)})'
             '</title>']
    for t in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{escape(display(t) or "")}</text>')
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + slot * (i + .5):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append(f'<text x="4" y="10" class="unit">{escape(ind.unit)}</text>')
    n = max(1, len(ind.series))
    for k, s in enumerate(ind.series):
        colour = COLOURS[k % len(COLOURS)]
        points = {label: v for label, v in s.points if v is not None}
        if ind.chart == "line":
            xy = [f"{LEFT + slot * (labels.index(lb) + .5):.1f},{y(float(v)):.1f}" for lb, v in points.items()]
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(xy)}"/>')
            parts += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="3" fill="{colour}"/>' for p in xy]
        else:
            width = slot * 0.8 / n
            for label, v in points.items():
                x = LEFT + slot * labels.index(label) + slot * 0.1 + width * k
                top, base = y(max(float(v), 0.0)), y(min(float(v), 0.0))
                parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{max(base - top, 0.5):.1f}"'
                             f' fill="{colour}"><title>{escape(s.name)} {escape(label)}: {escape(display(v) or "")}'
                             f'</title></rect>')
    parts.append("</svg>")
    return "".join(parts)

