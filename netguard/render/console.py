"""The summary table printed at the end of an audit (rich), in the terminal's language.

Every word comes from the catalogs (``terminal.summary.*``, the common statuses, the checks'
reasons, ``host_detail.*``); host names, segments and text the host sent are cleaned and shown
as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from netguard.i18n import Catalog, catalog, host_detail_text
from netguard.model import FindingStatus, HostStatus, Verdict
from netguard.render.text import clean
from netguard.results import Run, run_waivers_block, summarize

_STATUS_STYLE = {Verdict.COMPLIANT: "green", Verdict.FAILING: "bold red", Verdict.UNKNOWN: "yellow"}
_COLUMNS = ("host", "address", "segment", "status", "verdict", "issues")


def print_summary(run: Run, console: Console, lang: str = "en") -> None:
    t = catalog(lang)
    table = Table(title=t("terminal.summary.title", hosts=len(run.results)), title_justify="left")
    for col in _COLUMNS:
        table.add_column(t(f"terminal.summary.col_{col}"), overflow="fold")
    for r in run.results:
        verdict = r.verdict
        issues = [f.check for f in r.findings if f.status is FindingStatus.FAIL]
        issues += [
            t("terminal.summary.undecided", check=f.check)
            for f in r.findings
            if f.status is FindingStatus.ERROR
        ]
        issues += [
            t("terminal.summary.waived", check=f.check)
            for f in r.findings
            if f.status is FindingStatus.WAIVED
        ]
        if r.status is not HostStatus.AUDITED:
            issues.append(clean(host_detail_text(r, t), 120))
        table.add_row(
            Text(clean(r.host.name)),
            # a name that did not resolve has no address: its name instead
            Text(clean(r.host.address_text or r.host.hostname or "")),
            Text(clean(r.host.segment)),
            t.get(f"host_status.{r.status}", str(r.status)),
            Text(t.get(f"verdict.{verdict}", str(verdict)), style=_STATUS_STYLE[verdict]),
            Text(t("terminal.summary.issue_separator").join(issues)),
        )
    console.print(table)
    _print_failures(run, console, t)
    s = summarize(run.results)
    # one verdict per host, as the report counts them (failing beats unknown): the summary's
    # own failing/unknown counts overlap, and "1 host: 1 failing, 1 unknown" reads as two
    verdicts = Counter(r.verdict for r in run.results)
    console.print(
        t(
            "terminal.summary.totals",
            audited=s["audited"],
            hosts=s["hosts"],
            coverage=s["coverage"],
            compliant=verdicts[Verdict.COMPLIANT],
            failing=verdicts[Verdict.FAILING],
            unknown=verdicts[Verdict.UNKNOWN],
        ),
        markup=False,
        highlight=False,
    )
    if run.limit:
        console.print(
            t("terminal.summary.limited", patterns=" ".join(run.limit)),
            markup=False,
            highlight=False,
        )
    _print_waivers(run, s, console, t)


def _print_waivers(run: Run, s: dict[str, Any], console: Console, t: Catalog) -> None:
    """Waived counts, and the waivers someone must renew or withdraw (the report lists them)."""
    w = run_waivers_block(run)
    if w is None:
        return
    c = w["counts"]
    console.print(
        t(
            "terminal.summary.waivers",
            findings=s["finding_status"]["waived"],
            hosts=s["waived_hosts"],
            active=c["active"],
            entries=c["entries"],
            today=w["today"],
        ),
        markup=False,
        highlight=False,
    )
    for key in ("expired", "expired_unused", "unused"):
        state = t(f"terminal.summary.waiver_state.{key}")
        for entry in w[key][:MAX_LISTED]:
            label = entry["id"] or f"{entry['file']}:{entry['line']}"
            line = Text(
                t(
                    "terminal.summary.waiver",
                    label=clean(label),
                    state=state,
                    expires=entry["expires"],
                )
            )
            line.append(f"{clean(entry['host'])} / {clean(entry['check'])}")
            console.print(line)


MAX_LISTED = 40  # the JSON document has them all; a terminal shows the worst first


def _print_failures(run: Run, console: Console, t: Catalog) -> None:
    failing = [
        (f.severity.rank, r.host.name, f)
        for r in run.results
        for f in r.findings
        if f.status is FindingStatus.FAIL
    ]
    if not failing:
        return
    failing.sort(key=lambda x: (-x[0], x[1], x[2].check))
    console.print(t("terminal.summary.failures", count=len(failing)), markup=False, highlight=False)
    for _, name, f in failing[:MAX_LISTED]:
        line = Text(
            t(
                "terminal.summary.failure",
                severity=t.get(f"severity.{f.severity}", str(f.severity)),
                host=clean(name),
                check=f.check,
            )
        )
        line.append(clean(t.reason(f.reason, f.args, f.message), 200))
        console.print(line)
    if len(failing) > MAX_LISTED:
        console.print(
            t("terminal.summary.more", count=len(failing) - MAX_LISTED),
            markup=False,
            highlight=False,
        )
