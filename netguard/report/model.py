"""What a compliance report says, computed once from a results document, in no language.

The renderers (html, markdown, csv) only lay this out and translate it. Everything is
aggregated in one pass over the hosts and their findings, so a city-wide run (12,000 hosts,
~120,000 findings) costs a fraction of a second here; the only super-linear step is sorting.
That pass takes one host at a time (``ReportBuilder``), so a report can be built while its
results file is read (``report.load_report``) and never hold the fleet's results: past
DETAIL_ALL_MAX hosts, each host's view keeps only what the report shows of it.

Rules the numbers follow (the same as the audit's exit status, so report and exit code agree):
- a host is *failing* if any finding fails, else *unknown* if it was not audited or any check
  could not decide, else *compliant*; the three verdicts partition the hosts;
- coverage is audited hosts / all hosts; the compliance rate is compliant hosts / all hosts, so a
  host we could not check never counts as compliant;
- the overall verdict is failing if any host fails, unknown if any host is unknown or there are
  no hosts at all (nothing checked is not "compliant"), compliant otherwise;
- a *waived* finding (a failure an approved, unexpired waiver covers) is never a violation: it
  is listed with its waiver, and a host whose only problems are waived is compliant.

A *trend* (optional) puts this run beside earlier ones: the history's summaries of complete runs,
oldest first, ending with this run — appended from this report's own numbers when the history
does not have it, so the trend always ends where the report's headline numbers are.
"""

from __future__ import annotations

import ipaddress
import pickle
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from netguard.model import (
    FindingStatus,
    HostStatus,
    Severity,
    Verdict,
    Zone,
    host_verdict,
    overall_verdict,
)
from netguard.results import CollectorRecord, FindingRecord, HostRecord, Results, WaiverRecord
from netguard.results.stream import Sharing

if TYPE_CHECKING:
    from netguard.history.model import RunSummary

VERDICTS = tuple(Verdict)  # worst first
#: Categories in the order officials read them; others (e.g. transport) follow alphabetically.
CATEGORY_ORDER = ("antivirus", "password", "accounts", "isolation", "media", "network")
#: Up to this many hosts, the detail section covers every host; above it, only the hosts that
#: need attention (failing or unknown) — compliant hosts stay in the host table and the JSON.
DETAIL_ALL_MAX = 200
#: Hard cap on hosts given detail, so a fleet where everything fails still yields a file a
#: browser opens; the report says when it applies.
DETAIL_MAX = 5000

_FAIL = str(FindingStatus.FAIL)
_ERROR = str(FindingStatus.ERROR)
_PASS = str(FindingStatus.PASS)
_WAIVED = str(FindingStatus.WAIVED)
_AUDITED = str(HostStatus.AUDITED)
_SEVERITIES = tuple(str(s) for s in Severity)  # by rank
_FINDING_ORDER = {_FAIL: 0, _ERROR: 1, _WAIVED: 2, _PASS: 3, str(FindingStatus.NOT_APPLICABLE): 4}


@dataclass(slots=True)
class Tally:
    """Hosts by verdict and findings that need action, for the fleet or one group of it."""

    hosts: int = 0
    compliant: int = 0
    failing: int = 0
    unknown: int = 0
    fail_findings: int = 0
    error_findings: int = 0

    def add_host(self, verdict: Verdict) -> None:
        self.hosts += 1
        if verdict is Verdict.FAILING:
            self.failing += 1
        elif verdict is Verdict.UNKNOWN:
            self.unknown += 1
        else:
            self.compliant += 1

    @property
    def compliance_rate(self) -> float | None:
        """Compliant / all hosts (unknown hosts count against it); None for no hosts."""
        return self.compliant / self.hosts if self.hosts else None

    @property
    def problems(self) -> int:
        return self.failing + self.unknown


@dataclass(slots=True)
class Group:
    """One row of a "compliance by …" table."""

    key: str  # zone or category id, segment or department name ("" when not recorded)
    tally: Tally = field(default_factory=Tally)
    zone: str = ""  # segments only: the zone the segment belongs to


@dataclass(slots=True)
class CollectorRow:
    """One collector of a merged document (``netguard merge``): its hosts' verdicts and how
    many of them it audited — each isolated network's coverage beside the others'."""

    collector: CollectorRecord
    tally: Tally = field(default_factory=Tally)
    audited: int = 0

    @property
    def coverage(self) -> float | None:
        return self.audited / self.tally.hosts if self.tally.hosts else None


@dataclass(slots=True)
class Coverage:
    hosts: int
    audited: int
    host_status: dict[str, int]  # every HostStatus, in enum order, zeros included
    undecided: int  # audited hosts where at least one check could not decide

    @property
    def not_audited(self) -> int:
        return self.hosts - self.audited

    @property
    def rate(self) -> float | None:
        return self.audited / self.hosts if self.hosts else None


@dataclass(slots=True)
class HostView:
    """A host with what the report needs to say about it, computed once."""

    host: HostRecord
    index: int  # position in the inventory: a stable anchor for links within the report
    verdict: Verdict
    failing: list[FindingRecord]
    undecided: list[FindingRecord]
    worst: str  # highest severity among failing findings, "" when none
    passed: int
    not_applicable: int
    sort_address: str  # an address key that sorts numerically (10.0.0.9 before 10.0.0.10)
    waived: list[FindingRecord] = field(default_factory=list)
    #: the host had findings (``host.findings`` of a compact view keeps only those shown)
    has_findings: bool = False
    #: a compact view's evidence, on disk until its detail is written (None: in the findings)
    stored: _Stored | None = None

    @property
    def needs_attention(self) -> bool:
        """Listed among the hosts that could not be checked: not audited, or undecided checks."""
        return not self.host.audited or bool(self.undecided)

    @property
    def findings_sorted(self) -> list[FindingRecord]:
        """Failing first, then undecided, waived, passed, not applicable; worst severity
        first. A compact view has only its failing, undecided and waived findings, with their
        evidence read back from disk."""
        findings = self.host.findings
        if self.stored is not None:
            evidence = self.stored.load()
            findings = [replace(f, evidence=e) for f, e in zip(findings, evidence, strict=True)]
        return sorted(
            findings, key=lambda f: (_FINDING_ORDER.get(f.status, 9), -f.severity_rank, f.check)
        )


@dataclass(slots=True)
class Violation:
    host: HostView
    finding: FindingRecord


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One run of a trend: its counts, with the report's rules for the rates."""

    run_id: str
    started: datetime
    hosts: int
    audited: int
    compliant: int
    failing: int
    unknown: int
    waived: int  # failing findings a waiver covered (findings, not hosts)
    current: bool = False  # the run this report is about

    @property
    def coverage(self) -> float | None:
        """Audited ÷ hosts; None for a run without hosts (as Coverage.rate)."""
        return self.audited / self.hosts if self.hosts else None

    @property
    def compliance(self) -> float | None:
        """Compliant ÷ hosts; None for a run without hosts: nothing checked is not compliant
        (RunSummary.compliance says 1.0 there; a report never does)."""
        return self.compliant / self.hosts if self.hosts else None


#: Fewer runs than this: no trend section (one run has nothing to compare with).
TREND_MIN = 2


@dataclass(frozen=True, slots=True)
class Trend:
    points: tuple[TrendPoint, ...]  # oldest first, at least TREND_MIN, the last is this run

    @property
    def first(self) -> TrendPoint:
        return self.points[0]

    @property
    def last(self) -> TrendPoint:
        return self.points[-1]

    @property
    def previous(self) -> TrendPoint:
        return self.points[-2]


@dataclass(slots=True)
class Report:
    results: Results
    verdict: Verdict
    totals: Tally
    coverage: Coverage
    finding_status: dict[str, int]  # every FindingStatus, in enum order
    by_zone: list[Group]
    by_segment: list[Group]
    by_department: list[Group]
    by_category: list[Group]
    violations: list[Violation]  # severity, then department, then host
    unknown_hosts: list[HostView]  # not audited, or audited with undecided checks
    hosts: list[HostView]  # inventory order
    detail_hosts: list[HostView]
    detail_scope: str  # all | attention (failing/unknown only) | capped (attention, first N)
    zones_present: list[str] = field(default_factory=list)
    waived: list[Violation] = field(default_factory=list)  # same order as violations
    trend: Trend | None = None  # None: no trend asked for, or fewer than TREND_MIN runs
    #: a merged document's collectors, in its order ([] for a single run's document)
    collectors: list[CollectorRow] = field(default_factory=list)

    @property
    def mixed_policies(self) -> bool:
        """The collectors of a merged document did not all use the same policy."""
        return len({str(c.collector.policy.get("sha256", "")) for c in self.collectors}) > 1

    @property
    def empty(self) -> bool:
        return not self.hosts

    @property
    def shows_waivers(self) -> bool:
        """The waiver sections appear when the run used a waivers file (or a finding is
        waived): a run without one reads as before."""
        return self.results.waivers is not None or bool(self.waived)

    @property
    def expired_waivers(self) -> list[tuple[str, WaiverRecord]]:
        """(state, waiver) of expired waivers, those that would have covered a failing finding
        of this run first (state: expired | expired_unused)."""
        w = self.results.waivers
        if w is None:
            return []
        expired = [("expired", x) for x in w.expired]
        return expired + [("expired_unused", x) for x in w.expired_unused]

    @property
    def unused_waivers(self) -> list[tuple[str, WaiverRecord]]:
        """(state, waiver) of waivers in force that covered no failing finding of this run, then
        those not valid yet (state: unused | not_yet_valid)."""
        w = self.results.waivers
        if w is None:
            return []
        unused = [("unused", x) for x in w.unused]
        return unused + [("not_yet_valid", x) for x in w.not_yet_valid]


def build_report(results: Results, trend: Sequence[RunSummary] | None = None) -> Report:
    """The report of one run; trend: summaries of earlier complete runs, oldest first (normally
    ending with this run), for the trend section — see build_trend."""
    builder = ReportBuilder()
    for host in results.hosts:
        builder.add(host)
    return builder.build(results, trend)


class ReportBuilder:
    """A report built host by host while a results document is read (``add`` each host in the
    document's order, then ``build`` with the document's other blocks), so that a city's
    report never holds the city's results: what it keeps across the fleet is the tallies and
    each host's view. Past DETAIL_ALL_MAX hosts the views are compact (``_Spill``): the report
    shows only failing, undecided and waived findings in detail then, so those are all a view
    keeps, their texts shared between hosts and their evidence on disk until it is written."""

    def __init__(self, *, compact: bool = True) -> None:
        """compact=False: full views however many hosts (the same report, in more memory)."""
        self.compact = compact
        self.totals = Tally()
        self.status_counts = {str(s): 0 for s in HostStatus}
        self.finding_counts = {str(s): 0 for s in FindingStatus}
        self.zones: dict[str, Group] = {}
        self.segments: dict[str, Group] = {}
        self.departments: dict[str, Group] = {}
        self.categories = _CategoryTally()
        self.views: list[HostView] = []
        self.undecided_hosts = 0
        #: collector id → its hosts' tally, and how many it audited: the collectors' rows
        #: once the collectors (written after the hosts) are known
        self.collector_tallies: dict[str, Tally] = {}
        self.collector_audited: dict[str, int] = {}
        self.spill: _Spill | None = None

    def add(self, host: HostRecord) -> None:
        view = _host_view(host, len(self.views))
        self.status_counts[host.status] = self.status_counts.get(host.status, 0) + 1
        if host.audited and view.undecided:
            self.undecided_hosts += 1
        collector = self.collector_tallies.get(host.collector)
        if collector is None:
            collector = self.collector_tallies[host.collector] = Tally()
        self.collector_audited[host.collector] = (
            self.collector_audited.get(host.collector, 0) + host.audited
        )
        for tally in (
            self.totals,
            _group(self.zones, host.zone).tally,
            _group(self.segments, host.segment, zone=host.zone).tally,
            _group(self.departments, host.department).tally,
            collector,
        ):
            tally.add_host(view.verdict)
            tally.fail_findings += len(view.failing)
            tally.error_findings += len(view.undecided)
        for f in host.findings:
            self.finding_counts[f.status] = self.finding_counts.get(f.status, 0) + 1
        self.categories.add(host)
        if self.compact and self.spill is None and len(self.views) >= DETAIL_ALL_MAX:
            self.spill = _Spill()  # from now on no host's detail shows passing findings
            self.views = [self.spill.compact(v) for v in self.views]
        self.views.append(view if self.spill is None else self.spill.compact(view))

    def build(self, results: Results, trend: Sequence[RunSummary] | None = None) -> Report:
        """The report, with the document's blocks but ``hosts`` from ``results`` (the hosts
        are the ones added)."""
        views = self.views
        violations = [Violation(v, f) for v in views for f in v.failing]
        waived = [Violation(v, f) for v in views for f in v.waived]
        violations.sort(key=_violation_key)
        waived.sort(key=_violation_key)
        detail, scope = _detail(views)
        collectors = [
            CollectorRow(
                c,
                self.collector_tallies.get(c.id, Tally()),
                self.collector_audited.get(c.id, 0),
            )
            for c in results.collectors
        ]
        totals = self.totals
        report = Report(
            results=results,
            verdict=_overall(totals),
            totals=totals,
            coverage=Coverage(
                hosts=totals.hosts,
                audited=self.status_counts[_AUDITED],
                host_status=self.status_counts,
                undecided=self.undecided_hosts,
            ),
            finding_status=self.finding_counts,
            by_zone=_zone_order(self.zones),
            by_segment=_worst_first(self.segments),
            by_department=_worst_first(self.departments),
            by_category=self.categories.groups(),
            violations=violations,
            unknown_hosts=[v for v in views if v.needs_attention],
            hosts=views,
            detail_hosts=detail,
            detail_scope=scope,
            zones_present=[g.key for g in _zone_order(self.zones)],
            waived=waived,
            collectors=collectors,
        )
        report.trend = build_trend(report, trend)
        return report


def build_trend(report: Report, runs: Sequence[RunSummary] | None) -> Trend | None:
    """The trend of report's run over runs (oldest first): interrupted runs are left out (their
    hosts are partial: a false dip), except this run itself; this run is appended from the
    report when runs do not include it. None when fewer than TREND_MIN runs remain."""
    if not runs:
        return None
    this = report.results.run_id
    points = [
        TrendPoint(
            run_id=s.id,
            started=s.started,
            hosts=s.hosts,
            audited=s.audited,
            compliant=s.compliant,
            failing=s.failing,
            unknown=s.unknown,
            waived=s.waived,
            current=s.id == this,
        )
        for s in runs
        if s.complete or s.id == this
    ]
    if not any(p.current for p in points):
        t = report.totals
        points.append(
            TrendPoint(
                run_id=this,
                started=report.results.started,
                hosts=t.hosts,
                audited=report.coverage.audited,
                compliant=t.compliant,
                failing=t.failing,
                unknown=t.unknown,
                waived=len(report.waived),
                current=True,
            )
        )
    return Trend(tuple(points)) if len(points) >= TREND_MIN else None


def _host_view(host: HostRecord, index: int) -> HostView:
    failing: list[FindingRecord] = []
    undecided: list[FindingRecord] = []
    waived: list[FindingRecord] = []
    worst = -1
    passed = 0
    for f in host.findings:
        if f.status == _FAIL:
            failing.append(f)
            worst = max(worst, f.severity_rank)
        elif f.status == _ERROR:
            undecided.append(f)
        elif f.status == _WAIVED:
            waived.append(f)
        elif f.status == _PASS:
            passed += 1
    return HostView(
        host=host,
        index=index,
        verdict=host.verdict,
        failing=failing,
        undecided=undecided,
        worst=_SEVERITIES[worst] if worst >= 0 else "",
        passed=passed,
        not_applicable=len(host.findings) - passed - len(failing) - len(undecided) - len(waived),
        sort_address=address_key(host.address),
        waived=waived,
        has_findings=bool(host.findings),
    )


def address_key(address: str) -> str:
    """A string that sorts addresses numerically; text that is no address sorts after them."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"9-{address}"
    return f"{ip.version}-{int(ip):039d}"


def _group(groups: dict[str, Group], key: str, zone: str = "") -> Group:
    g = groups.get(key)
    if g is None:
        g = groups[key] = Group(key, zone=zone)
    return g


class _CategoryTally:
    """Per category, each host counts once: failing if a finding in it fails, unknown if one
    could not decide, compliant if it has passing (or waived) findings only, not counted if every
    check in it was not applicable. A host that was not audited is unknown in every category the
    policy checks on audited hosts — not in "transport", which only a refused host key shows."""

    def __init__(self) -> None:
        self.groups_by_key: dict[str, Group] = {}
        self.audited_categories: set[str] = set()
        self.not_audited = 0
        self.not_audited_seen: dict[str, int] = {}  # category → unaudited hosts counted in it

    def add(self, host: HostRecord) -> None:
        per: dict[str, list[int]] = {}  # category → [fail, error, pass]
        for f in host.findings:
            c = per.setdefault(f.category, [0, 0, 0])
            if f.status == _FAIL:
                c[0] += 1
            elif f.status == _ERROR:
                c[1] += 1
            elif f.status in (_PASS, _WAIVED):  # an approved exception: compliant in the category
                c[2] += 1
        if host.audited:
            self.audited_categories.update(per)
        else:
            self.not_audited += 1
        for category, (fails, errors, passes) in per.items():
            if not (fails or errors or passes or not host.audited):
                continue  # not applicable to this host
            verdict = host_verdict(host.status, [_FAIL] * fails + [_ERROR] * errors)
            g = _group(self.groups_by_key, category)
            g.tally.add_host(verdict)
            g.tally.fail_findings += fails
            g.tally.error_findings += errors
            if not host.audited:
                self.not_audited_seen[category] = self.not_audited_seen.get(category, 0) + 1

    def groups(self) -> list[Group]:
        for category in self.audited_categories:
            missing = self.not_audited - self.not_audited_seen.get(category, 0)
            tally = _group(self.groups_by_key, category).tally
            tally.hosts += missing
            tally.unknown += missing
        rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
        return sorted(
            self.groups_by_key.values(), key=lambda g: (rank.get(g.key, len(rank)), g.key)
        )


def _overall(totals: Tally) -> Verdict:
    """The run's verdict (model.overall_verdict), from the counts of its hosts' verdicts."""
    seen = [v for v in Verdict if getattr(totals, v)]
    return overall_verdict(seen)


def _zone_order(zones: dict[str, Group]) -> list[Group]:
    rank = {str(z): i for i, z in enumerate(Zone)}
    return sorted(zones.values(), key=lambda g: (rank.get(g.key, len(rank)), g.key))


def _worst_first(groups: dict[str, Group]) -> list[Group]:
    """Most failing hosts first, then most unknown, then by name: who must act comes first."""
    return sorted(
        groups.values(), key=lambda g: (-g.tally.failing, -g.tally.unknown, g.key == "", g.key)
    )


def _violation_key(v: Violation) -> tuple[int, bool, str, str, str]:
    h = v.host.host
    # Hosts without a recorded department go last within their severity: nobody to address.
    return (-v.finding.severity_rank, h.department == "", h.department, h.name, v.finding.check)


def _detail(views: list[HostView]) -> tuple[list[HostView], str]:
    if len(views) <= DETAIL_ALL_MAX:
        return views, "all"
    attention = [v for v in views if v.verdict is not Verdict.COMPLIANT]
    if len(attention) <= DETAIL_MAX:
        return attention, "attention"
    # Too many to show: the most severe first (stable, so inventory order within a severity).
    rank = {s: i for i, s in enumerate(_SEVERITIES)}
    attention.sort(key=lambda v: -rank.get(v.worst, -1))
    return attention[:DETAIL_MAX], "capped"


#: the findings a compact view keeps: those the detail of a large fleet shows
_SHOWN = frozenset({_FAIL, _ERROR, _WAIVED})


@dataclass(frozen=True, slots=True)
class _Stored:
    """Where one compact view's evidence is (its shown findings', in order)."""

    spill: _Spill
    offset: int
    size: int

    def load(self) -> list[dict[str, Any]]:
        return self.spill.load(self.offset, self.size)


class _Spill:
    """Compact host views and the temporary file their evidence waits in (removed with the
    last view that needs it). The file is the report's own, written and read by this process
    only; texts that repeat across hosts (keys, titles, messages, departments) are shared."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix=".netguard-report-")  # noqa: SIM115
        weakref.finalize(self, self.file.close)
        self.end = 0
        self.sharing = Sharing()

    def compact(self, v: HostView) -> HostView:
        h = v.host
        kept = [f for f in h.findings if f.status in _SHOWN]
        evidence = [f.evidence for f in kept]
        stored = self.store(evidence) if any(evidence) else None
        findings = [self.finding(f) for f in kept]
        host = replace(
            h,
            findings=findings,
            segment=Sharing.text(h.segment),
            zone=Sharing.text(h.zone),
            os=Sharing.text(h.os),
            department=Sharing.text(h.department),
            status=Sharing.text(h.status),
            detail=Sharing.text(h.detail),
            detail_reason=Sharing.text(h.detail_reason),
            detail_args=self.sharing.one(h.detail_args),
            collector=Sharing.text(h.collector),
        )
        return replace(
            v,
            host=host,
            failing=[f for f in findings if f.status == _FAIL],
            undecided=[f for f in findings if f.status == _ERROR],
            waived=[f for f in findings if f.status == _WAIVED],
            worst=Sharing.text(v.worst),
            stored=stored,
        )

    def finding(self, f: FindingRecord) -> FindingRecord:
        return replace(
            f,
            check=Sharing.text(f.check),
            category=Sharing.text(f.category),
            status=Sharing.text(f.status),
            severity=Sharing.text(f.severity),
            title=Sharing.text(f.title),
            message=Sharing.text(f.message),
            remediation=Sharing.text(f.remediation),
            evidence={},
            reason=Sharing.text(f.reason),
            args=self.sharing.one(f.args),
            titles=self.sharing.one(f.titles),
            remediations=self.sharing.one(f.remediations),
            references=self.sharing.one(f.references),
        )

    def store(self, evidence: list[dict[str, Any]]) -> _Stored:
        data = pickle.dumps(evidence, protocol=pickle.HIGHEST_PROTOCOL)
        self.file.seek(self.end)
        self.file.write(data)
        stored = _Stored(self, self.end, len(data))
        self.end += len(data)
        return stored

    def load(self, offset: int, size: int) -> list[dict[str, Any]]:
        self.file.seek(offset)
        evidence: list[dict[str, Any]] = pickle.loads(self.file.read(size))  # our own file
        return evidence
