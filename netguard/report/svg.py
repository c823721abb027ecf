"""Inline SVG charts, drawn in Python: no script, no library, nothing fetched.

Every label is escaped here (group names are host data: a department may be called
``<script>``); colours come from CSS classes in report.css, so screen and print agree.
The functions return ``Markup`` — safe by construction, so templates never need ``|safe``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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


def donut(parts: Sequence[Part], center: str, label: str, *, size: int = 160) -> Markup:
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
            f'stroke-dashoffset="{_num(offset)}"><title>{escape(p.label)}: {p.value}</title>'
            "</circle>"
        )
        offset -= share
    out.append(
        f'<text x="21" y="21" text-anchor="middle" dominant-baseline="central" '
        f'class="donut-center">{escape(center)}</text></svg>'
    )
    return Markup("".join(out))


def stacked_bars(bars: Sequence[Bar], label: str, *, width: int = 720) -> Markup:
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
                f'height="{row - 6}"><title>{escape(bar.label)} — {escape(p.label)}: '
                f"{p.value}</title></rect>"
            )
            x += w
        out.append(
            f'<text x="{width - note_w + 6}" y="{y + row / 2}" dominant-baseline="central" '
            f'class="bar-note">{escape(bar.note)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
