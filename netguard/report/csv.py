"""The report as CSV: one row per host, for the asset register (usually kept in Excel).

UTF-8 with a byte-order mark, or Excel shows Chinese as mojibake; CRLF line ends. A cell that
starts with ``= + - @`` (or tab / CR) would be run as a formula by a spreadsheet — a hostname like
``=cmd|' /C calc'!A0`` — so such cells get a leading apostrophe, which spreadsheets hide.

The last column, ``failing_basis``, gives the standard clauses each failing check answers to
(every finding's ``references``, as the HTML and Markdown reports show them): one
``check: clause · clause`` per failing check, in the order of ``check_ids``; a check without
references (a document from before they were recorded) is left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import tzinfo

from netguard.render.text import clean
from netguard.report.model import HostView, Report
from netguard.report.words import Words

BOM = "\ufeff"
CELL_CAP = 2000  # characters per cell; Excel's own limit is 32,767
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "host", "address", "zone", "segment", "department", "owner", "location", "status",
    "verdict", "worst", "failing_checks", "check_ids", "undecided_checks", "reason",
    "waived_checks", "failing_basis",
)  # fmt: skip


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one line, capped, never a formula."""
    text = clean(str(value).replace("\r\n", " ").replace("\r", " "), CELL_CAP)
    return "'" + text if text.startswith(FORMULA_START) else text


def render_csv(report: Report, lang: str, *, tz: tzinfo | None = None) -> str:
    """The whole file as text, byte-order mark included."""
    w = Words(lang, tz)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(safe_cell(w.t(f"report.col.{c}")) for c in COLUMNS)
    writer.writerows(_rows(report.hosts, w))
    return BOM + buf.getvalue()


def _rows(views: Iterable[HostView], w: Words) -> Iterable[list[str]]:
    sep = w.t("report.fmt.reason_separator")
    for v in views:
        h = v.host
        reason = (
            w.unknown_reason(h.status, w.host_detail(h), v.undecided) if v.needs_attention else ""
        )
        cells = (
            h.name,
            h.address,
            w.zone(h.zone),
            h.segment,
            h.department,
            h.owner,
            h.location,
            w.host_status(h.status),
            w.verdict(v.verdict),
            w.severity(v.worst) if v.worst else "",
            sep.join(w.title(f) for f in v.failing),
            ", ".join(f.check for f in v.failing),
            sep.join(w.title(f) for f in v.undecided),
            reason,
            # a compliant host may still live with an approved exception: the register says so
            sep.join(w.title(f) for f in v.waived),
            sep.join(f"{f.check}: {' · '.join(f.references)}" for f in v.failing if f.references),
        )
        yield [safe_cell(c) for c in cells]
