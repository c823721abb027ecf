"""Inline SVG charts, drawn in Python: no script, no library, nothing fetched.

Every label is escaped here (group names are host data: a department may be called
``<script>``); colours come from CSS classes in report.css, so screen and print agree.
The functions return ``Markup`` — safe by construction, so templates never need ``|safe``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_KIND = re.compile(r"^[a-z_]+$")
LABEL_UNITS = 26  # label width in half-width characters (a CJK character counts two)


@dataclass(frozen=True)
class Part:
    kind: str  # CSS class suffix (ours: a verdict or host status), never host data
    value: int
    label: str  # shown as a tooltip; may be host data

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"bad chart part kind {self.kind!r}")


@dataclass(frozen=True)
class Bar:
    label: str  # may be host data
    parts: tuple[Part, ...]
    note: str = ""  # at the right end, e.g. the host count


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def shorten(text: str, units: int = LABEL_UNITS) -> str:
    """Cut text to a display width, counting wide (CJK) characters as two."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > units:
            return text[:i] + "…"
    return text


def _label_value(label: str, value: str) -> str:
    return f"{label}: {value}"


def donut(
    parts: Sequence[Part],
    center: str,
    label: str,
    *,
    size: int = 160,
    say: Callable[[str, str], str] = _label_value,
) -> Markup:
    """A ring whose segments are the parts' shares; center is a short text (e.g. "71%")."""
    total = sum(p.value for p in parts)
    r = 15.91549  # circumference 100: dash lengths are percentages
    out = [
        f'<svg class="chart donut" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42" '
        f'width="{size}" height="{size}" role="img" aria-label="{escape(label)}">',
        f'<circle class="ring-empty" cx="21" cy="21" r="{r}" fill="none" stroke-width="6"/>',
    ]
    offset = 25.0  # start at 12 o'clock
    for p in parts:
        if not p.value or not total:
            continue
        share = 100.0 * p.value / total
        out.append(
            f'<circle class="ring-{p.kind}" cx="21" cy="21" r="{r}" fill="none" '
            f'stroke-width="6" stroke-dasharray="{_num(share)} {_num(100 - share)}" '
            f'stroke-dashoffset="{_num(offset)}">'
            f"<title>{escape(say(p.label, str(p.value)))}</title></circle>"
        )
        offset -= share
    out.append(
        f'<text x="21" y="21" text-anchor="middle" dominant-baseline="central" '
        f'class="donut-center">{escape(center)}</text></svg>'
    )
    return Markup("".join(out))


def stacked_bars(
    bars: Sequence[Bar],
    label: str,
    *,
    width: int = 720,
    say: Callable[[str, str], str] = _label_value,
) -> Markup:
    """One 100 % stacked horizontal bar per group, its label on the left, a note on the right."""
    row, label_w, note_w = 22, 200, 70
    bar_w = width - label_w - note_w
    height = row * len(bars) + 4
    out = [
        f'<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for i, bar in enumerate(bars):
        y = 2 + i * row
        out.append(
            f'<text x="{label_w - 6}" y="{y + row / 2}" text-anchor="end" '
            f'dominant-baseline="central" class="bar-label"><title>{escape(bar.label)}</title>'
            f"{escape(shorten(bar.label))}</text>"
        )
        total = sum(p.value for p in bar.parts)
        x = float(label_w)
        out.append(
            f'<rect class="bar-empty" x="{label_w}" y="{y + 3}" width="{bar_w}" '
            f'height="{row - 6}"/>'
        )
        for p in bar.parts:
            if not p.value or not total:
                continue
            w = bar_w * p.value / total
            out.append(
                f'<rect class="bar-{p.kind}" x="{_num(x)}" y="{y + 3}" width="{_num(w)}" '
                f'height="{row - 6}"><title>{escape(bar.label)} — '
                f"{escape(say(p.label, str(p.value)))}</title></rect>"
            )
            x += w
        out.append(
            f'<text x="{width - note_w + 6}" y="{y + row / 2}" dominant-baseline="central" '
            f'class="bar-note">{escape(bar.note)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value in 0…1 per x position (None: no value, a gap)."""

    kind: str  # CSS class suffix (ours, e.g. "compliance"), never host data
    label: str  # the legend's text; escaped
    values: tuple[float | None, ...]

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"bad chart series kind {self.kind!r}")


#: Line chart geometry (viewBox units = CSS pixels at 100 %): 720 × 262 fits an A4 page's width.
LINE_W, LINE_H = 720, 262
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 662, 40, 240  # 1 % = 2 units
END_GAP = 15  # least vertical distance between the end labels of two lines
X_LABEL_GAP = 64  # at least this far apart: 2 runs get 2 labels, 60 runs about 10
Y_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def line_x(i: int, n: int) -> float:
    """The x of the i-th of n points: evenly spaced by run, the oldest on the left."""
    if n <= 1:
        return (PLOT_LEFT + PLOT_RIGHT) / 2
    return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * i / (n - 1)


def line_y(value: float) -> float:
    """The y of a value in 0…1: 1.0 (100 %) on the top gridline, 0 on the bottom one."""
    value = min(max(value, 0.0), 1.0)
    return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value


def _x_label_indexes(n: int) -> list[int]:
    """Which points get a date under the axis: all when they fit, else an even spread that
    always includes the first and the last (the two the comparison sentence names)."""
    if n <= 0:
        return []
    fit = max(2, int((PLOT_RIGHT - PLOT_LEFT) // X_LABEL_GAP) + 1)
    if n <= fit:
        return list(range(n))
    step = -(-(n - 1) // (fit - 1))  # ceil
    picked = list(range(0, n - 1, step))
    if (n - 1) - picked[-1] < step / 2 and len(picked) > 1:
        picked.pop()  # too close to the last label
    return [*picked, n - 1]


def line_chart(
    series: Sequence[Series],
    x_labels: Sequence[str],
    label: str,
    *,
    y_labels: Sequence[str] = ("0%", "25%", "50%", "75%", "100%"),
    tooltips: Sequence[str] = (),
    end_labels: Sequence[str] = (),
) -> Markup:
    """Lines over a 0–100 % axis with gridlines at 0/25/50/75/100 %, one point per x label:
    a marker with a tooltip (tooltips[i], e.g. the run's date, rates and counts) on each point,
    a legend above the plot, end_labels[k] (e.g. "71.4%") right of series k's last point.
    Series after the first are dashed, with square markers, so the lines stay apart on a
    grey-scale print too."""
    n = len(x_labels)
    radius = 4.0 if n <= 30 else 2.5
    out = [
        f'<svg class="chart line" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LINE_W} '
        f'{LINE_H}" width="{LINE_W}" height="{LINE_H}" role="img" aria-label="{escape(label)}">'
    ]
    # legend, above the plot
    x = float(PLOT_LEFT)
    for k, s in enumerate(series):
        out.append(
            f'<g class="legend-item line-{s.kind}">'
            f'<line x1="{_num(x)}" y1="14" x2="{_num(x + 24)}" y2="14"/>'
            f"{_marker(k, x + 12, 14, 3.5)}"
            f'<text x="{_num(x + 30)}" y="14" dominant-baseline="central">{escape(s.label)}'
            "</text></g>"
        )
        x += 30 + 7 * _width(s.label) + 24
    # gridlines and y labels
    for value, text in zip(Y_TICKS, y_labels, strict=True):
        y = _num(line_y(value))
        out.append(
            f'<line class="grid" x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}"/>'
            f'<text class="axis" x="{PLOT_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="central">{escape(text)}</text>'
        )
    # x labels
    for i in _x_label_indexes(n):
        anchor = "start" if n > 1 and i == 0 else "end" if n > 1 and i == n - 1 else "middle"
        out.append(
            f'<line class="tick" x1="{_num(line_x(i, n))}" y1="{PLOT_BOTTOM}" '
            f'x2="{_num(line_x(i, n))}" y2="{PLOT_BOTTOM + 4}"/>'
            f'<text class="axis" x="{_num(line_x(i, n))}" y="{PLOT_BOTTOM + 16}" '
            f'text-anchor="{anchor}">{escape(shorten(x_labels[i], 12))}</text>'
        )
    # lines (a gap where a value is missing), then the markers on top
    for s in series:
        for run in _runs(s.values[:n]):
            points = " ".join(f"{_num(line_x(i, n))},{_num(line_y(v))}" for i, v in run)
            out.append(f'<polyline class="line-{s.kind}" fill="none" points="{points}"/>')
    for k, s in enumerate(series):
        for i, v in enumerate(s.values[:n]):
            if v is None:
                continue
            tip = tooltips[i] if i < len(tooltips) else f"{x_labels[i]}: {_num(v * 100)}%"
            out.append(
                f'<g class="point line-{s.kind}"><title>{escape(tip)}</title>'
                f"{_marker(k, line_x(i, n), line_y(v), radius)}</g>"
            )
    out.extend(_end_labels(series, n, end_labels))
    out.append("</svg>")
    return Markup("".join(out))


def _end_labels(series: Sequence[Series], n: int, texts: Sequence[str]) -> list[str]:
    """Each line's last value written right of its last point, nudged apart when close."""
    ends: list[tuple[float, str, str]] = []
    for s, text in zip(series, texts, strict=False):
        last = s.values[n - 1] if 0 < n <= len(s.values) else None
        if last is not None:
            ends.append((line_y(last), s.kind, text))
    ends.sort()
    placed: list[float] = []
    for y, _, _ in ends:
        placed.append(max(y, placed[-1] + END_GAP) if placed else y)
    overflow = placed[-1] - (PLOT_BOTTOM + 6) if placed else 0
    if overflow > 0:  # pushed below the axis: move the whole stack up
        placed = [y - overflow for y in placed]
    return [
        f'<text class="end-label end-{kind}" x="{_num(line_x(n - 1, n) + 8)}" y="{_num(y)}" '
        f'dominant-baseline="central">{escape(text)}</text>'
        for (_, kind, text), y in zip(ends, placed, strict=True)
    ]


def _marker(k: int, x: float, y: float, r: float) -> str:
    if k == 0:
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}"/>'
    return (
        f'<rect x="{_num(x - r)}" y="{_num(y - r)}" width="{_num(2 * r)}" height="{_num(2 * r)}"/>'
    )


def _width(text: str) -> int:
    """Display width in half-width characters (a CJK character counts two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive (index, value) stretches without a missing value; a lone point is no line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if len(r) > 1]
