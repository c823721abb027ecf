"""A Prometheus text-format file for the node exporter's textfile collector.

Gauges of the run the document records, each with ``# HELP`` and ``# TYPE``: hosts by status
and by verdict, the compliance and coverage ratios (the results' counting rules,
``results.summarize_statuses``), findings by severity, category and status, the audit's duration
and when it ended. Label values are escaped as the format says (backslash, double quote,
newline). The file must be written atomically (``export.write_export``): the collector reads
whatever is there when it is scraped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from netguard.model import HostStatus, Verdict
from netguard.results import Results, summarize_statuses

PREFIX = "netguard_"


def render_prometheus(results: Results) -> str:
    summary = summarize_statuses((h.status, [f.status for f in h.findings]) for h in results.hosts)
    total = summary["hosts"]
    verdicts = Counter(str(h.verdict) for h in results.hosts)
    findings = Counter(
        (f.severity, f.category, f.status) for h in results.hosts for f in h.findings
    )
    end = results.finished or results.started
    out: list[str] = []
    out += _gauge(
        "hosts",
        "Hosts of the last audit by status (audited, or why not)",
        ((({"status": s},), n) for s, n in _statuses(summary["host_status"])),
    )
    out += _gauge(
        "host_verdicts",
        "Hosts of the last audit by verdict (failing beats unknown beats compliant)",
        ((({"verdict": str(v)},), verdicts.get(str(v), 0)) for v in Verdict),
    )
    out += _gauge(
        "compliance_ratio",
        "Compliant hosts over all hosts of the last audit (0 when it had none)",
        [((), round(summary["compliant"] / total, 4) if total else 0.0)],
    )
    out += _gauge(
        "coverage_ratio",
        "Audited hosts over all hosts of the last audit",
        [((), summary["coverage"])],
    )
    out += _gauge(
        "findings",
        "Findings of the last audit by severity, category and status",
        (
            (({"severity": sev, "category": cat, "status": st},), n)
            for (sev, cat, st), n in sorted(findings.items())
        ),
    )
    out += _gauge(
        "audit_duration_seconds",
        "How long the last audit took, start to end",
        [((), round(max((end - results.started).total_seconds(), 0.0), 3))],
    )
    out += _gauge(
        "audit_timestamp_seconds",
        "When the last audit ended (Unix time)",
        [((), round(end.timestamp(), 3))],
    )
    return "".join(line + "\n" for line in out)


def _statuses(counts: dict[str, int]) -> Iterable[tuple[str, int]]:
    """Every known status (0 included: a series must not vanish when nothing has it), then any
    this version does not know."""
    known = [str(s) for s in HostStatus]
    yield from ((s, counts.get(s, 0)) for s in known)
    yield from sorted((s, n) for s, n in counts.items() if s not in known)


def _gauge(
    name: str, help: str, samples: Iterable[tuple[tuple[dict[str, str], ...], float]]
) -> list[str]:
    full = PREFIX + name
    lines = [f"# HELP {full} {_help(help)}", f"# TYPE {full} gauge"]
    for labels, value in samples:
        pairs = ",".join(f'{k}="{_label(v)}"' for d in labels for k, v in d.items())
        lines.append(f"{full}{{{pairs}}} {_number(value)}" if pairs else f"{full} {_number(value)}")
    return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
