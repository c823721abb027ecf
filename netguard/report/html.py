"""The HTML report: one self-contained file (inline CSS, SVG and a few lines of script).

Rendered with the shared autoescaping environment: host data is escaped by Jinja2, charts are
``Markup`` built from escaped parts in svg.py, and only our own stylesheet and script are
inlined unescaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from markupsafe import Markup, escape

from netguard import __version__
from netguard.i18n import Catalog
from netguard.render.html import environment
from netguard.report.model import VERDICTS, Group, Report, Tally
from netguard.report.svg import Y_TICKS, Bar, Part, Series, donut, line_chart, stacked_bars
from netguard.report.words import Words

TEMPLATE = "report.html.j2"
CHART_MAX = 20  # groups drawn per chart, worst first; the table below lists them all
GROUP_KINDS = ("zone", "segment", "department", "category")
SEVERITY_KEYS = ("", "info", "low", "medium", "high", "critical")  # sort keys for the table
VERDICT_RANK = {v: i for i, v in enumerate(VERDICTS)}


@dataclass(frozen=True)
class GroupSection:
    kind: str  # zone | segment | department | category
    groups: list[Group]
    chart: Markup
    chart_note: str  # says the chart shows only the worst groups, "" when it shows all


def render_html(report: Report, lang: str, *, tz: tzinfo | None = None) -> str:
    return "".join(html_chunks(report, lang, tz=tz))


def html_chunks(report: Report, lang: str, *, tz: tzinfo | None = None) -> Iterator[str]:
    """The report's HTML piece by piece, as the template produces it: a city's report is
    written to its file as it is made, never held whole (tens of MiB of text, twice over
    while joined)."""
    w = Words(lang, tz)
    detail_index = {v.index for v in report.detail_hosts}
    return (
        environment()
        .get_template(TEMPLATE)
        .generate(
            t=w.t,
            w=w,
            r=report,
            run=report.results,
            version=__version__,
            verdict_chart=_verdict_chart(report, w),
            coverage_chart=_coverage_chart(report, w),
            trend_chart=trend_chart(report, w),
            sections=[_section(kind, report, w) for kind in GROUP_KINDS],
            detail_index=detail_index,
            evidence_all=report.detail_scope == "all",
            verdicts=VERDICTS,
            verdict_rank=VERDICT_RANK,
            severity_rank={s: i for i, s in enumerate(SEVERITY_KEYS)},
            fmt=lambda key, **args: fmt_markup(w.t, key, **args),
            # The live count of visible rows that report.js updates while filtering.
            shown_counter=Markup('<span id="host-shown">{}</span>').format(len(report.hosts)),
        )
    )


def fmt_markup(t: Catalog, key: str, **args: Any) -> Markup:
    """A catalog sentence with markup in its arguments (e.g. a live counter <span>): the
    sentence and plain-text arguments are escaped, Markup arguments are kept."""
    return Markup(escape(t(key))).format(**args)


def _verdict_parts(tally: Tally, w: Words) -> tuple[Part, ...]:
    return tuple(
        Part(v, getattr(tally, v), w.verdict(v)) for v in ("compliant", "failing", "unknown")
    )


def _verdict_chart(r: Report, w: Words) -> Markup:
    return donut(
        _verdict_parts(r.totals, w),
        w.pct(r.totals.compliance_rate),
        w.t("report.kpi.compliance"),
        say=w.label_value,
    )


def _coverage_chart(r: Report, w: Words) -> Markup:
    parts = tuple(
        Part(status, count, w.host_status(status))
        for status, count in r.coverage.host_status.items()
        if count
    )
    return donut(parts, w.pct(r.coverage.rate), w.t("report.kpi.coverage"), say=w.label_value)


def trend_chart(r: Report, w: Words) -> Markup:
    """Compliance rate and coverage of the trend's runs; empty Markup without a trend."""
    if r.trend is None:
        return Markup("")
    points = r.trend.points
    series = (
        Series("compliance", w.t("report.kpi.compliance"), tuple(p.compliance for p in points)),
        Series("coverage", w.t("report.kpi.coverage"), tuple(p.coverage for p in points)),
    )
    return line_chart(
        series,
        [w.axis_date(p.started) for p in points],
        w.t("report.section.trend"),
        y_labels=[w.t("report.trend.axis_percent", value=round(v * 100)) for v in Y_TICKS],
        tooltips=[w.trend_tooltip(p) for p in points],
        end_labels=[w.pct(s.values[-1]) for s in series],
    )


def _section(kind: str, r: Report, w: Words) -> GroupSection:
    groups: list[Group] = getattr(r, f"by_{kind}")
    shown = groups[:CHART_MAX]  # segments and departments come worst first
    bars = [
        Bar(
            w.group_label(kind, g),
            _verdict_parts(g.tally, w),
            w.t("report.chart.hosts", n=g.tally.hosts),
        )
        for g in shown
    ]
    note = (
        w.t("report.chart.top", shown=len(shown), total=len(groups))
        if len(groups) > len(shown)
        else ""
    )
    title = w.t(f"report.section.{kind}")
    chart = stacked_bars(bars, title, say=w.label_value) if bars else Markup("")
    return GroupSection(kind, groups, chart, note)
