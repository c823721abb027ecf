"""The words of a report in one language: every renderer takes its text from here or the catalog.

Host data passes through untouched (each renderer escapes it for its own format); what comes
from the catalog is ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo

from netguard.i18n import Catalog, catalog, host_detail_text
from netguard.model import HostStatus
from netguard.render.html import EVIDENCE_CAP, evidence_text
from netguard.report.model import Group, Report, Tally, Trend, TrendPoint
from netguard.results import FindingRecord, HostRecord, WaiverRecord

HASH_PREFIX = 12  # characters of a sha256 shown: enough to compare two reports by eye


class Words:
    def __init__(self, lang: str, tz: tzinfo | None = None) -> None:
        self.t: Catalog = catalog(lang)
        self.lang = lang
        self.tz = tz

    # numbers and times
    def pct(self, value: float | None) -> str:
        if value is None:
            return self.t("report.fmt.none")
        return self.t("report.fmt.percent", value=value * 100)

    def when(self, dt: datetime | None) -> str:
        if dt is None:
            return self.t("report.meta.not_finished")
        return self.t.datetime(dt.astimezone(self.tz) if self.tz else dt, zone=False)

    def label_value(self, label: str, value: str) -> str:
        """label: value with the language's colon (合规：2)."""
        return self.t("common.label_value", label=label, value=value)

    def counted(self, key: str, n: int) -> str:
        """A section's title with its count: 不符合项（12） / Non-conformities (12)."""
        return self.t("report.fmt.counted", title=self.t(key), n=n)

    def time_zone(self, at: datetime) -> str:
        """The report's one time zone, said once (北京时间; 时区 America/New_York（UTC−05:00）)."""
        return self.t.time_zone(self.tz, at)

    def digest(self, value: object) -> str:
        text = value if isinstance(value, str) else ""
        return text[:HASH_PREFIX] if text else self.t("report.fmt.none")

    # enums from the common catalog
    def verdict(self, key: str) -> str:
        return self.t.get(f"verdict.{key}", key)

    def severity(self, key: str) -> str:
        return self.t.get(f"severity.{key}", key) if key else self.t("report.fmt.none")

    def host_status(self, key: str) -> str:
        return self.t.get(f"host_status.{key}", key)

    def finding_status(self, key: str) -> str:
        return self.t.get(f"finding_status.{key}", key)

    def zone(self, key: str) -> str:
        return self.t.get(f"zone.{key}", key)

    def category(self, key: str) -> str:
        return self.t.get(f"category.{key}", key)

    def basis(self, category: str) -> str:
        """The standard clauses a category's checks rest on (检查依据：GB/T 22239-2019 …)."""
        clauses = self.t.get(f"basis.{category}")
        return self.t("report.fmt.basis", basis=clauses) if clauses else ""

    def category_explain(self, key: str) -> str:
        return self.t.get(f"report.category_explain.{key}", "")

    def or_none(self, value: str) -> str:
        """A field the inventory left empty (department, owner, room) says so."""
        return value if value else self.t("report.fmt.not_recorded")

    def group_label(self, kind: str, g: Group) -> str:
        if kind == "zone":
            return self.zone(g.key)
        if kind == "category":
            return self.category(g.key)
        return self.or_none(g.key)

    def host_detail(self, h: HostRecord) -> str:
        """Why a host was not checked, in this language (i18n.host_detail_text)."""
        return host_detail_text(h, self.t)

    # a finding, in this language when the catalog knows the check
    def title(self, f: FindingRecord) -> str:
        """The catalog's title of a built-in check; a rule file's own, in this language when
        the file gives one (English otherwise)."""
        return self.t.get(f"checks.{f.check}.title", f.titles.get(self.t.lang, f.title or f.check))

    def message(self, f: FindingRecord) -> str:
        return self.t.reason(f.reason, f.args, f.message)

    def remediation(self, f: FindingRecord, os: str = "linux") -> str:
        """What to do, for the machine's operating system: ``checks.<id>.remediation_<os>``
        where the catalogs have one (the checks' own remediation is the Linux way)."""
        if os != "linux":
            specific = self.t.get(f"checks.{f.check}.remediation_{os}")
            if specific:
                return specific
        own = f.remediations.get(self.t.lang, f.remediation)
        return self.t.get(f"checks.{f.check}.remediation", own)

    def evidence(self, f: FindingRecord) -> list[tuple[str, str]]:
        """A finding's evidence as (label, raw text) pairs: each key of the mapping named in this
        language (``evidence.<key>``; a key the catalog does not know is shown as it is, an
        identifier), each value the raw output as collected (JSON), never translated."""
        ev = f.evidence
        if not isinstance(ev, Mapping):
            return [(self.t("report.detail.raw"), evidence_text(ev))]
        cap = max(EVIDENCE_CAP // max(len(ev), 1), 200)
        return [
            (self.t.get(f"evidence.{k}", str(k)), evidence_text(v, cap))
            for k, v in sorted(ev.items(), key=lambda kv: str(kv[0]))
        ]

    # waivers: their texts come from the waivers file, not from hosts, but are escaped all the same
    def waiver_note(self, f: FindingRecord) -> str:
        """Who waived a finding, why and until when; "" for a finding without a waiver."""
        w = f.waiver
        if w is None:
            return ""
        return self.t(
            "report.detail.waiver",
            reason=w.reason,
            approver=w.approver,
            approved=w.approved,
            expires=w.expires,
            source=w.source or self.t("report.fmt.none"),
        )

    def waiver_label(self, w: WaiverRecord | None) -> str:
        return (w.label if w is not None else "") or self.t("report.fmt.none")

    def waiver_state(self, state: str) -> str:
        return self.t(f"report.waivers.state_{state}")

    def waivers_summary(self, r: Report) -> str:
        block = r.results.waivers
        return self.t(
            "report.waivers.summary",
            findings=len(r.waived),
            hosts=len({v.host.index for v in r.waived}),
            today=block.today if block is not None and block.today else self.t("report.fmt.none"),
        )

    # sentences
    def summary(self, r: Report) -> str:
        tally: Tally = r.totals
        if not tally.hosts:
            return self.t("report.verdict_text.empty")
        return self.t(
            "report.verdict_text.summary",
            hosts=tally.hosts,
            audited=r.coverage.audited,
            coverage=self.pct(r.coverage.rate),
            compliant=tally.compliant,
            failing=tally.failing,
            unknown=tally.unknown,
            violations=len(r.violations),
        )

    def verdict_explain(self, r: Report) -> str:
        if not r.totals.hosts:
            return self.t("report.verdict_text.no_hosts")
        return self.t(f"report.verdict_text.{r.verdict}")

    def unknown_reason(self, host_status: str, detail: str, undecided: list[FindingRecord]) -> str:
        """Why a host could not be (fully) checked: its detail (``host_detail``, in this language),
        or the checks that could not decide with their messages."""
        parts = []
        if host_status != HostStatus.AUDITED:
            parts.append(detail or self.host_status(host_status))
        parts.extend(
            self.t("report.unknown.undecided", check=self.title(f), message=self.message(f))
            for f in undecided
        )
        return self.t("report.fmt.reason_separator").join(parts)

    # the trend
    def _local(self, dt: datetime) -> datetime:
        dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)  # the history records UTC
        return dt.astimezone(self.tz) if self.tz else dt

    def run_date(self, dt: datetime) -> str:
        """A run's day, in the report's time zone (2026-11-23 / 2026年11月23日)."""
        return self._local(dt).strftime(self.t("report.trend.date_format"))

    def axis_date(self, dt: datetime) -> str:
        """A run's day, short, under the trend chart (11-23)."""
        return self._local(dt).strftime(self.t("report.trend.axis_date"))

    def run_when(self, p: TrendPoint) -> str:
        """A trend table's first cell: date and time, and which run is this report's."""
        when = self.when(p.started)
        return self.t("report.trend.this_run", when=when) if p.current else when

    def points(self, before: float | None, after: float | None) -> str:
        """The change between two rates in percentage points, from the rounded percentages
        shown beside it so the numbers add up (62.0% → 71.4%: +9.4 points)."""
        if before is None or after is None:
            return self.t("report.fmt.none")
        delta = round(after * 100, 1) - round(before * 100, 1)
        if abs(delta) < 0.05:
            return self.t("report.trend.unchanged")
        return self.t("report.trend.points", value=delta)

    def trend_change(self, trend: Trend) -> str:
        """Compliance and coverage now against the first run of the trend."""
        a, b = trend.first, trend.last
        return self.t(
            "report.trend.change",
            since=self.run_date(a.started),
            compliance_from=self.pct(a.compliance),
            compliance_to=self.pct(b.compliance),
            compliance_change=self.points(a.compliance, b.compliance),
            coverage_from=self.pct(a.coverage),
            coverage_to=self.pct(b.coverage),
            coverage_change=self.points(a.coverage, b.coverage),
        )

    def trend_previous(self, trend: Trend) -> str:
        """Against the run before this one; "" when that is the first run (said already)."""
        if len(trend.points) < 3:
            return ""
        a, b = trend.previous, trend.last
        return self.t(
            "report.trend.change_previous",
            since=self.run_date(a.started),
            compliance_change=self.points(a.compliance, b.compliance),
            coverage_change=self.points(a.coverage, b.coverage),
        )

    def trend_tooltip(self, p: TrendPoint) -> str:
        return self.t(
            "report.trend.tooltip",
            when=self.when(p.started),
            compliance=self.pct(p.compliance),
            compliant=p.compliant,
            coverage=self.pct(p.coverage),
            audited=p.audited,
            hosts=p.hosts,
            failing=p.failing,
            unknown=p.unknown,
        )
