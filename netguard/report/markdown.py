"""The report as Markdown, for pasting into documents, tickets and chat.

Host data is escaped cell by cell: it can neither break a table (``|``, newlines) nor become
markup (``<``, ``>``, ``&``, backticks, emphasis, links). Long lists are capped; the HTML report
and the JSON results have everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo

from netguard.render.markdown import md_escape
from netguard.report.model import Group, Report
from netguard.report.words import Words
from netguard.results import WaiverRecord

KPIS = ("hosts", "coverage", "compliance", "failing_hosts", "violations")
MAX_ROWS = 300  # rows per long table (violations, unknown hosts)
MESSAGE_CAP = 400


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> list[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(r) for r in rows), ""]


def render_markdown(report: Report, lang: str, *, tz: tzinfo | None = None) -> str:
    w = Words(lang, tz)
    t = w.t
    run = report.results
    e = md_escape  # everything that is not a catalog word or a number goes through this

    def lv(label_key: str, value: str) -> str:  # "label: value" with the language's colon
        return t("common.label_value", label=e(t(label_key)), value=value)

    out = [
        f"# {e(t('report.title'))}",
        "",
        e(t("report.subtitle")),
        "",
        f"- {lv('report.meta.run', e(run.run_id))}",
        f"- {lv('report.meta.started', e(w.when(run.started)))}",
        f"- {lv('report.meta.finished', e(w.when(run.finished)))}",
        f"- {lv('report.meta.timezone', e(w.time_zone(run.started)))}",
        f"- {lv('report.meta.inventory', e(str(run.inventory.get('path', ''))))}"
        f"{e(t('report.meta.sha256', digest=w.digest(run.inventory.get('sha256'))))}",
        f"- {lv('report.meta.policy', e(str(run.policy.get('name', ''))))}"
        f"{e(t('report.meta.sha256', digest=w.digest(run.policy.get('sha256'))))}",
        f"- {lv('report.meta.version', e(run.netguard_version))}",
        *_limit_meta(report, w),
        *_waivers_meta(report, w),
        "",
        f"## {lv('report.section.verdict', e(w.verdict(report.verdict)))}",
        "",
        e(w.summary(report), 2000),
        "",
        e(w.verdict_explain(report), 2000),
        "",
    ]
    out += _table(
        [e(t(f"report.kpi.{k}")) for k in KPIS],
        [
            [
                str(report.totals.hosts),
                e(w.pct(report.coverage.rate)),
                e(w.pct(report.totals.compliance_rate)),
                str(report.totals.failing),
                str(len(report.violations)),
            ]
        ],
        {0, 1, 2, 3, 4},
    )
    out += [e(t("report.explain.compliance"), 2000), ""]
    out += _coverage(report, w)
    out += _trend(report, w)
    out += _collectors(report, w)
    for kind in ("zone", "segment", "department", "category"):
        out += _groups(kind, getattr(report, f"by_{kind}"), w)
    out += _violations(report, w)
    if report.shows_waivers:
        out += _waived(report, w) + _expired_waivers(report, w) + _unused_waivers(report, w)
    out += _unknown(report, w)
    out += [
        e(t("report.markdown.hosts_note"), 2000),
        "",
        e(t("report.footer", version=run.netguard_version), 2000),
        "",
    ]
    return "\n".join(out)


def _coverage(r: Report, w: Words) -> list[str]:
    t, c = w.t, r.coverage
    rows = [
        [md_escape(w.host_status(s)), str(n), md_escape(w.pct(n / c.hosts if c.hosts else None))]
        for s, n in c.host_status.items()
    ]
    out = [
        f"## {md_escape(t('report.section.coverage'))}",
        "",
        md_escape(
            t(
                "report.coverage.summary",
                audited=c.audited,
                hosts=c.hosts,
                coverage=w.pct(c.rate),
                not_audited=c.not_audited,
            ),
            2000,
        ),
        "",
    ]
    out += _table(
        [md_escape(t(f"report.col.{k}")) for k in ("status", "hosts", "share")], rows, {1, 2}
    )
    if c.undecided:
        out += [md_escape(t("report.coverage.undecided", n=c.undecided), 2000), ""]
    return out


def _trend(r: Report, w: Words) -> list[str]:
    """The trend's sentences and table (no chart in Markdown); nothing without a trend."""
    trend = r.trend
    if trend is None:
        return []
    t, e = w.t, md_escape
    out = [f"## {e(t('report.section.trend'))}", "", e(w.trend_change(trend), 2000), ""]
    previous = w.trend_previous(trend)
    if previous:
        out += [e(previous, 2000), ""]
    out += [e(t("report.trend.explain", runs=len(trend.points)), 2000), ""]
    cols = ["run_date", "hosts", "audited", "coverage", "compliant", "failing", "unknown",
            "waived_checks", "rate"]  # fmt: skip
    rows = [
        [
            e(w.run_when(p)),
            str(p.hosts),
            str(p.audited),
            e(w.pct(p.coverage)),
            str(p.compliant),
            str(p.failing),
            str(p.unknown),
            str(p.waived),
            e(w.pct(p.compliance)),
        ]
        for p in trend.points
    ]
    out += _table([e(t(f"report.col.{k}")) for k in cols], rows, set(range(1, len(cols))))
    return out


def _groups(kind: str, groups: list[Group], w: Words) -> list[str]:
    t = w.t
    out = [f"## {md_escape(t(f'report.section.{kind}'))}", ""]
    if not groups:
        return [*out, md_escape(t("report.none.groups")), ""]
    cols = [kind, "hosts", "compliant", "failing", "unknown", "rate", "fail_findings",
            "error_findings"]  # fmt: skip
    header = [md_escape(t(f"report.col.{k}")) for k in cols]
    rows = [
        [
            md_escape(w.group_label(kind, g)),
            str(g.tally.hosts),
            str(g.tally.compliant),
            str(g.tally.failing),
            str(g.tally.unknown),
            md_escape(w.pct(g.tally.compliance_rate)),
            str(g.tally.fail_findings),
            str(g.tally.error_findings),
        ]
        for g in groups[:MAX_ROWS]
    ]
    out += _table(header, rows, set(range(1, len(cols))))
    if kind == "category":  # what each category's checks rest on: the standards' clauses
        bases = [(g.key, t.get(f"basis.{g.key}")) for g in groups[:MAX_ROWS]]
        line = "report.fmt.category_basis"
        out += [f"- {md_escape(t(line, category=w.category(k), basis=b))}" for k, b in bases if b]
        out += [""] if any(b for _, b in bases) else []
    return out + _more(len(groups), w)


def _collectors(r: Report, w: Words) -> list[str]:
    """A merged document's collectors: each isolated network's bundle, signer, inventory,
    policy, coverage and verdicts (nothing for a single run's document)."""
    if not r.collectors:
        return []
    t, e = w.t, md_escape
    out = [f"## {e(t('report.section.collector'))}", "", e(t("report.explain.collector"), 2000), ""]
    if r.mixed_policies:
        out += [e(t("report.explain.collector_policies"), 2000), ""]
    cols = ["collector", "bundle", "signer", "inventory", "policy", "run_date", "hosts",
            "audited", "coverage", "compliant", "failing", "unknown", "rate"]  # fmt: skip
    rows = []
    for row in r.collectors[:MAX_ROWS]:
        c = row.collector
        signer = (
            f"{c.signer_name} {c.signer_fingerprint}"
            if c.verified
            else t("report.explain.collector_unverified")
        )
        inventory = str(c.inventory.get("name") or c.inventory.get("path", ""))
        digest = t("report.meta.sha256", digest=w.digest(c.policy.get("sha256")))
        rows.append(
            [
                e(c.id),
                e(c.bundle),
                e(signer),
                e(inventory),
                e(str(c.policy.get("name", "")) + digest),
                e(w.when(c.started)),
                str(row.tally.hosts),
                str(row.audited),
                e(w.pct(row.coverage)),
                str(row.tally.compliant),
                str(row.tally.failing),
                str(row.tally.unknown),
                e(w.pct(row.tally.compliance_rate)),
            ]
        )
    out += _table([e(t(f"report.col.{k}")) for k in cols], rows, set(range(6, len(cols))))
    return out + _more(len(r.collectors), w)


def _more(total: int, w: Words) -> list[str]:
    if total <= MAX_ROWS:
        return []
    return [md_escape(w.t("report.markdown.more", n=total - MAX_ROWS), 2000), ""]


def _violations(r: Report, w: Words) -> list[str]:
    t = w.t
    out = [f"## {md_escape(w.counted('report.section.violations', len(r.violations)))}", ""]
    if not r.violations:
        return [*out, md_escape(t("report.none.violations")), ""]
    out += [md_escape(t("report.explain.violations"), 2000), ""]
    cols = ["severity", "department", "owner", "location", "host", "address", "check", "problem",
            "remediation"]  # fmt: skip
    rows = []
    for v in r.violations[:MAX_ROWS]:
        h, f = v.host.host, v.finding
        rows.append(
            [
                md_escape(w.severity(f.severity)),
                md_escape(w.or_none(h.department)),
                md_escape(w.or_none(h.owner)),
                md_escape(w.or_none(h.location)),
                md_escape(h.name),
                md_escape(h.address),
                # the standard clauses, as data on the finding (absent in older documents)
                md_escape(" · ".join((w.title(f), *f.references))),
                md_escape(w.message(f), MESSAGE_CAP),
                md_escape(w.remediation(f, h.os), MESSAGE_CAP),
            ]
        )
    out += _table([md_escape(t(f"report.col.{k}")) for k in cols], rows, set())
    return out + _more(len(r.violations), w)


def _limit_meta(r: Report, w: Words) -> list[str]:
    """The ``--limit`` of a run of part of the inventory: its counts cover those hosts only."""
    if not r.results.limit:
        return []
    t = w.t
    value = md_escape(t("report.meta.limit_value", patterns=", ".join(r.results.limit)))
    return [f"- {t('common.label_value', label=md_escape(t('report.meta.limit')), value=value)}"]


def _waivers_meta(r: Report, w: Words) -> list[str]:
    block = r.results.waivers
    if block is None:
        return []
    t = w.t
    label = md_escape(t("report.meta.waivers"))
    digest = md_escape(t("report.meta.sha256", digest=w.digest(block.sha256)))
    value = md_escape(block.path)
    return [f"- {t('common.label_value', label=label, value=value)}{digest}"]


def _waived(r: Report, w: Words) -> list[str]:
    t = w.t
    out = [f"## {md_escape(w.counted('report.section.waived', len(r.waived)))}", ""]
    if not r.waived:
        return [*out, md_escape(t("report.none.waived")), ""]
    out += [md_escape(t("report.explain.waived"), 2000), "", md_escape(w.waivers_summary(r)), ""]
    cols = ["severity", "department", "owner", "host", "address", "check", "problem",
            "waiver_reason", "approver", "expires", "waiver"]  # fmt: skip
    rows = []
    for v in r.waived[:MAX_ROWS]:
        h, f = v.host.host, v.finding
        waiver = f.waiver
        rows.append(
            [
                md_escape(w.severity(f.severity)),
                md_escape(w.or_none(h.department)),
                md_escape(w.or_none(h.owner)),
                md_escape(h.name),
                md_escape(h.address),
                md_escape(w.title(f)),
                md_escape(w.message(f), MESSAGE_CAP),
                md_escape(waiver.reason if waiver else "", MESSAGE_CAP),
                md_escape(waiver.approver if waiver else ""),
                md_escape(waiver.expires if waiver else ""),
                md_escape(w.waiver_label(waiver)),
            ]
        )
    out += _table([md_escape(t(f"report.col.{k}")) for k in cols], rows, set())
    return out + _more(len(r.waived), w)


#: Columns of the tables that list waivers themselves (expired, unused).
_WAIVER_COLS = ("waiver", "waiver_state", "host_pattern", "check_pattern", "approver", "approved",
                "expires", "matched", "waiver_reason")  # fmt: skip


def _waiver_rows(items: list[tuple[str, WaiverRecord]], w: Words) -> list[list[str]]:
    return [
        [
            md_escape(w.waiver_label(x)),
            md_escape(w.waiver_state(state)),
            md_escape(x.host),
            md_escape(x.check),
            md_escape(x.approver),
            md_escape(x.approved),
            md_escape(x.expires),
            str(x.matched),
            md_escape(x.reason, MESSAGE_CAP),
        ]
        for state, x in items[:MAX_ROWS]
    ]


def _expired_waivers(r: Report, w: Words) -> list[str]:
    t, items = w.t, r.expired_waivers
    out = [f"## {md_escape(w.counted('report.section.expired_waivers', len(items)))}", ""]
    if not items:
        return [*out, md_escape(t("report.none.expired_waivers")), ""]
    out += [md_escape(t("report.explain.expired_waivers"), 2000), ""]
    header = [md_escape(t(f"report.col.{k}")) for k in _WAIVER_COLS]
    out += _table(header, _waiver_rows(items, w), {7})
    return out + _more(len(items), w)


def _unused_waivers(r: Report, w: Words) -> list[str]:
    t, items = w.t, r.unused_waivers
    if not items:  # nothing to review: no section
        return []
    out = [f"## {md_escape(w.counted('report.section.unused_waivers', len(items)))}", ""]
    out += [md_escape(t("report.explain.unused_waivers"), 2000), ""]
    header = [md_escape(t(f"report.col.{k}")) for k in _WAIVER_COLS]
    out += _table(header, _waiver_rows(items, w), {7})
    return out + _more(len(items), w)


def _unknown(r: Report, w: Words) -> list[str]:
    t = w.t
    out = [f"## {md_escape(w.counted('report.section.unknown', len(r.unknown_hosts)))}", ""]
    if not r.unknown_hosts:
        return [*out, md_escape(t("report.none.unknown")), ""]
    out += [md_escape(t("report.explain.unknown"), 2000), ""]
    cols = ["host", "address", "department", "owner", "location", "status", "verdict", "reason"]
    rows = [
        [
            md_escape(v.host.name),
            md_escape(v.host.address),
            md_escape(w.or_none(v.host.department)),
            md_escape(w.or_none(v.host.owner)),
            md_escape(w.or_none(v.host.location)),
            md_escape(w.host_status(v.host.status)),
            md_escape(w.verdict(v.verdict)),
            md_escape(
                w.unknown_reason(v.host.status, w.host_detail(v.host), v.undecided), MESSAGE_CAP
            ),
        ]
        for v in r.unknown_hosts[:MAX_ROWS]
    ]
    out += _table([md_escape(t(f"report.col.{k}")) for k in cols], rows, set())
    return out + _more(len(r.unknown_hosts), w)
