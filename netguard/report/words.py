"""The words of a report in one language: every renderer takes its text from here or the catalog.

Host data passes through untouched (each renderer escapes it for its own format); what comes
from the catalog is ours.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from netguard.i18n import Catalog, catalog
from netguard.report.model import Group, Report, Tally
from netguard.results import FindingRecord, WaiverRecord

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
        return self.t.datetime(dt.astimezone(self.tz) if self.tz else dt)

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

    # a finding, in this language when the catalog knows the check
    def title(self, f: FindingRecord) -> str:
        return self.t.get(f"checks.{f.check}.title", f.title or f.check)

    def message(self, f: FindingRecord) -> str:
        return self.t.reason(f.reason, f.args, f.message)

    def remediation(self, f: FindingRecord) -> str:
        return self.t.get(f"checks.{f.check}.remediation", f.remediation)

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
        """Why a host could not be (fully) checked: the transport's one line, or the checks that
        could not decide with their messages."""
        parts = []
        if host_status != "audited":
            parts.append(detail or self.host_status(host_status))
        parts.extend(
            self.t("report.unknown.undecided", check=self.title(f), message=self.message(f))
            for f in undecided
        )
        return self.t("report.fmt.reason_separator").join(parts)
