"""Compliance reports for the security coordination group: which machines are in trouble, why,
and who must act — from a results document, in Chinese or English, as HTML, Markdown, CSV or PDF.

``build_report`` computes the numbers once (model.py); each renderer lays them out in one format;
``write_report`` picks a file name and writes atomically. ``load_report`` builds the report of a
results file while reading it, host by host: a city's report never holds the city's results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netguard.render.files import write_atomic
from netguard.report.model import Report, ReportBuilder, build_report, build_trend
from netguard.results import HostRecord, Results
from netguard.results.read import fold_document, fold_results

if TYPE_CHECKING:
    from netguard.history.model import RunSummary

__all__ = [
    "FORMATS",
    "Report",
    "build_report",
    "default_name",
    "load_report",
    "render_report",
    "report_of_document",
    "write_report",
]

FORMATS = ("html", "md", "csv", "pdf")
DEFAULT_DIR = Path("reports")
_RUN_ID = re.compile(r"[^0-9A-Za-z]")


def load_report(path: str | Path, trend: Sequence[RunSummary] | None = None) -> Report:
    """The report of a results file, built while the file is read one host at a time
    (results.read.fold_results): the same report as ``build_report(load_results(path))``, in
    the memory of the report alone. InputError as load_results."""
    builders: list[ReportBuilder] = []

    def start() -> Callable[[HostRecord], None]:
        builders.append(ReportBuilder())  # again when the file must be read whole after all
        return builders[-1].add

    results = fold_results(path, start)
    return builders[-1].build(results, trend)


def report_of_document(doc: Any, source: str, trend: Sequence[RunSummary] | None = None) -> Report:
    """The report of a results document in memory (the history's), its hosts validated and
    folded one at a time rather than all made records first. InputError as parse_results."""
    builder = ReportBuilder()
    return builder.build(fold_document(doc, source, builder.add), trend)


def render_report(
    results: Results | Report,
    fmt: str,
    lang: str,
    *,
    tz: tzinfo | None = None,
    trend: Sequence[RunSummary] | None = None,
) -> str:
    """The report as text: html, md or csv (csv starts with a UTF-8 byte-order mark).
    tz: show times in this zone (default: as recorded in the results, UTC).
    trend: summaries of complete runs, oldest first, normally ending with this run (the
    history's last N): adds the trend section to html and md when there are at least two runs;
    given with a built Report, replaces that report's trend (the Report is not changed)."""
    report = _report_of(results, trend)
    if fmt == "html":
        from netguard.report.html import render_html

        return render_html(report, lang, tz=tz)
    if fmt == "md":
        from netguard.report.markdown import render_markdown

        return render_markdown(report, lang, tz=tz)
    if fmt == "csv":
        from netguard.report.csv import render_csv

        return render_csv(report, lang, tz=tz)
    if fmt == "pdf":
        raise ValueError("a PDF is a file: use write_report(results, 'pdf', …)")
    raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")


def write_report(
    results: Results | Report,
    fmt: str,
    lang: str,
    output: Path | str | None = None,
    *,
    tz: tzinfo | None = None,
    trend: Sequence[RunSummary] | None = None,
) -> Path:
    """Write the report and return its path.

    output: a file path; or a folder — an existing directory, or a path without an extension
    that does not exist yet — to get a fresh name inside it (default_name); None: reports/.
    The file appears whole or not at all (temp file + rename); a PDF is the HTML printed by
    headless Chromium, its print stylesheet included. results: a results document read, or
    its report built (load_report); trend: as for render_report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
    run = results.results if isinstance(results, Report) else results
    path = _target(run, fmt, lang, output, tz)
    if fmt == "pdf":
        from netguard.render.pdf import html_to_pdf

        html_to_pdf(render_report(results, "html", lang, tz=tz, trend=trend), path)
    elif fmt == "html":  # written as it is made: a city's HTML is never held whole
        from netguard.report.html import html_chunks

        chunks = html_chunks(_report_of(results, trend), lang, tz=tz)
        write_atomic(path, lambda out: out.writelines(c.encode("utf-8") for c in chunks))
    else:
        write_atomic(path, render_report(results, fmt, lang, tz=tz, trend=trend))
    return path


def _report_of(results: Results | Report, trend: Sequence[RunSummary] | None) -> Report:
    """The report of ``results`` (built), or a built one with ``trend`` in place of its own."""
    if isinstance(results, Report):
        return results if trend is None else replace(results, trend=build_trend(results, trend))
    return build_report(results, trend)


def default_name(results: Results, fmt: str, lang: str, tz: tzinfo | None = None) -> str:
    """netguard-report-<YYYYmmdd-HHMM of the run's start>-<run id, 8 characters>-<lang>.<ext>:
    sorts by date, ties a report to its run, and keeps the zh and en reports of one run apart.
    The run id comes from a file: only letters and digits of it reach a file name."""
    started = results.started.astimezone(tz) if tz else results.started
    run = _RUN_ID.sub("", results.run_id)[:8] or "run"
    return f"netguard-report-{started:%Y%m%d-%H%M}-{run}-{lang}.{fmt}"


def _target(
    results: Results, fmt: str, lang: str, output: Path | str | None, tz: tzinfo | None
) -> Path:
    if output is None:
        return DEFAULT_DIR / default_name(results, fmt, lang, tz)
    text = str(output)
    path = Path(output)
    folder = path.is_dir() or text.endswith(("/", "\\")) or (not path.exists() and not path.suffix)
    return path / default_name(results, fmt, lang, tz) if folder else path
