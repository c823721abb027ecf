"""The summary table printed at the end of an audit (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netguard.model import FindingStatus, HostStatus, Verdict
from netguard.render.text import clean
from netguard.results import Run, run_waivers_block, summarize

_STATUS_STYLE = {Verdict.COMPLIANT: "green", Verdict.FAILING: "bold red", Verdict.UNKNOWN: "yellow"}


def print_summary(run: Run, console: Console) -> None:
    table = Table(title=f"netguard audit — {len(run.results)} hosts", title_justify="left")
    for col in ("host", "address", "segment", "status", "verdict", "failing / unknown checks"):
        table.add_column(col, overflow="fold")
    for r in run.results:
        verdict = r.verdict
        issues = [f.check for f in r.findings if f.status is FindingStatus.FAIL]
        issues += [f"{f.check}?" for f in r.findings if f.status is FindingStatus.ERROR]
        issues += [f"{f.check} (waived)" for f in r.findings if f.status is FindingStatus.WAIVED]
        if r.status is not HostStatus.AUDITED:
            issues.append(clean(r.detail, 120))
        table.add_row(
            Text(clean(r.host.name)),
            str(r.host.address),
            Text(clean(r.host.segment)),
            str(r.status),
            Text(verdict, style=_STATUS_STYLE[verdict]),
            Text(", ".join(issues)),
        )
    console.print(table)
    _print_failures(run, console)
    s = summarize(run.results)
    console.print(
        f"audited {s['audited']}/{s['hosts']} hosts (coverage {s['coverage']:.0%}); "
        f"compliant {s['compliant']}, failing {s['failing']}, unknown {s['unknown']}"
    )
    _print_waivers(run, s, console)


def _print_waivers(run: Run, s: dict[str, Any], console: Console) -> None:
    """Waived counts, and the waivers someone must renew or withdraw (the report lists them)."""
    w = run_waivers_block(run)
    if w is None:
        return
    c = w["counts"]
    console.print(
        f"waived {s['finding_status']['waived']} failing findings on {s['waived_hosts']} hosts "
        f"({c['active']} of {c['entries']} waivers in force on {w['today']})"
    )
    for key, what in (("expired", "expired, covering failing findings again"),
                      ("expired_unused", "expired, covering nothing"),
                      ("unused", "in force, covering nothing")):  # fmt: skip
        for entry in w[key][:MAX_LISTED]:
            label = entry["id"] or f"{entry['file']}:{entry['line']}"
            line = Text(f"  waiver {clean(label)} ({what}; expires {entry['expires']}): ")
            line.append(f"{clean(entry['host'])} / {clean(entry['check'])}")
            console.print(line)


MAX_LISTED = 40  # the JSON document has them all; a terminal shows the worst first


def _print_failures(run: Run, console: Console) -> None:
    failing = [
        (f.severity.rank, r.host.name, f)
        for r in run.results
        for f in r.findings
        if f.status is FindingStatus.FAIL
    ]
    if not failing:
        return
    failing.sort(key=lambda t: (-t[0], t[1], t[2].check))
    console.print(f"failing findings ({len(failing)}), most severe first:")
    for _, name, f in failing[:MAX_LISTED]:
        line = Text(f"  [{f.severity}] {clean(name)} {f.check}: ")
        line.append(clean(f.message, 200))
        console.print(line)
    if len(failing) > MAX_LISTED:
        console.print(f"  … and {len(failing) - MAX_LISTED} more (see --format json)")
