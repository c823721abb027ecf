"""The inspection record (检查记录表): what an inspector checked, how the machines were chosen,
what was found, and the digests that tie the paper to the evidence bundle — printed and signed
on the spot.

Built from the parsed results document (never from hosts directly), plus what only the command
knows: who inspects whom, how the sample was drawn, the digests of the bundle's files, and the key
that signed it. ``build_record`` gathers that in no language; ``record_view`` turns it into plain
strings in one language (host and inventory text cleaned of control characters, capped); the
template escapes it. Nothing from a host or the inventory is ever marked safe.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from netguard.model import HostStatus, Verdict, overall_verdict
from netguard.results import FindingRecord, Results

KINDS = ("spot-check", "inspect")
FORMATS = ("html", "pdf")
STRATA_BY = ("department", "segment", "zone")
DIGEST_PREFIX = 16  # hex characters of a raw-output digest in the host table; evidence has all
CELL_CAP = 200  # characters of host text per cell (names, owners, rooms)
DETAIL_CAP = 500  # a finding's message, a host's "why not audited"
PATH_CAP = 400  # a file path in the evidence section


@dataclass(frozen=True)
class StratumRow:
    """One stratum of the sampling frame: how many machines it has and how many were drawn."""

    name: str  # a department, segment or zone id, as the inventory has it ("" if not recorded)
    population: int
    drawn: int


@dataclass(frozen=True)
class SamplingMethod:
    """How a spot check's machines were chosen, as plainly as a reviewer needs to redo it."""

    population: int  # machines in the inventory the sample was drawn from
    requested: str  # as the inspector asked: "10" or "10%"
    by: str | None  # department | segment | zone | None (no stratification)
    seed: str
    algorithm: str  # e.g. "netguard.sample/1 (HMAC-SHA256 ranks, largest remainder)"
    min_per_stratum: int
    strata: tuple[StratumRow, ...]
    grown: bool  # the per-stratum minimums added up to more than the requested size
    #: ``spot-check --limit``: the patterns that chose the population; () for the whole inventory
    limit: tuple[str, ...] = ()
    inventory_hosts: int = 0  # machines in the inventory before the limit

    @property
    def drawn(self) -> int:
        return sum(s.drawn for s in self.strata)


@dataclass(frozen=True)
class Signer:
    """The key that signed the evidence bundle."""

    name: str
    fingerprint: str  # "SHA256:…" as ssh-keygen -lf prints it
    public_key: str = ""  # the public key line, when the record should carry it


@dataclass(frozen=True)
class FileDigest:
    path: str  # inside the bundle
    sha256: str


@dataclass(frozen=True)
class RecordHost:
    """One inspected machine: its inventory facts, verdict, problems and raw-output digest."""

    name: str
    address: str
    segment: str
    zone: str
    department: str
    owner: str
    location: str
    status: str  # a HostStatus value
    detail: str  # why it was not audited (transport's one line)
    verdict: str  # failing | unknown | compliant
    problems: tuple[FindingRecord, ...]  # failing (worst first), undecided, waived
    raw_sha256: str  # sha256 of its raw collected output; "" when none was collected
    detail_reason: str = ""  # the detail as a message id (host_detail.<id>) and its arguments
    detail_args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def audited(self) -> bool:
        return self.status == HostStatus.AUDITED


@dataclass(frozen=True)
class InspectionRecord:
    """Everything the record shows, in no language."""

    kind: str  # spot-check | inspect
    inspector: str
    organization: str
    inspected_unit: str
    method: SamplingMethod | None  # None for inspect
    run_id: str
    started: datetime
    finished: datetime | None
    policy_name: str
    policy_sha256: str
    inventory_path: str
    inventory_sha256: str
    hosts: tuple[RecordHost, ...]
    files: tuple[FileDigest, ...]
    host_digests: tuple[tuple[str, str], ...]  # (host, sha256): the results' hosts, then others
    signer: Signer | None
    bundle_name: str
    netguard_version: str  # of the run that produced the results

    @property
    def signed(self) -> bool:
        return self.signer is not None

    @property
    def verdict(self) -> Verdict:
        """failing if any host fails; unknown if any host is unknown or none was checked."""
        return overall_verdict(h.verdict for h in self.hosts)


def build_record(
    results: Results,
    *,
    kind: str,
    inspector: str,
    organization: str,
    inspected_unit: str,
    method: SamplingMethod | None,
    host_digests: Mapping[str, str],
    file_digests: Sequence[tuple[str, str]],
    signer: Signer | None,
    bundle_name: str,
) -> InspectionRecord:
    """The record of one spot check or inspection. A spot check needs its sampling method; an
    inspection (one machine, chosen by the inspector standing in front of it) has none."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r} (one of {', '.join(KINDS)})")
    if (kind == "spot-check") != (method is not None):
        raise ValueError(f"a {kind} record {'needs' if method is None else 'takes no'} method")
    if method is not None and method.by is not None and method.by not in STRATA_BY:
        raise ValueError(f"unknown stratification {method.by!r} (one of {', '.join(STRATA_BY)})")
    hosts = tuple(
        RecordHost(
            name=h.name,
            address=h.address,
            segment=h.segment,
            zone=h.zone,
            department=h.department,
            owner=h.owner,
            location=h.location,
            status=h.status,
            detail=h.detail,
            detail_reason=h.detail_reason,
            detail_args=h.detail_args,
            verdict=h.verdict,
            problems=(
                *sorted(h.failing, key=lambda f: -f.severity_rank),
                *h.undecided,
                *h.waived,
            ),
            raw_sha256=host_digests.get(h.name, ""),
        )
        for h in results.hosts
    )
    named = {h.name for h in hosts}
    digests = [(h.name, h.raw_sha256) for h in hosts if h.raw_sha256]
    digests += sorted((n, d) for n, d in host_digests.items() if n not in named)
    return InspectionRecord(
        kind=kind,
        inspector=inspector,
        organization=organization,
        inspected_unit=inspected_unit,
        method=method,
        run_id=results.run_id,
        started=results.started,
        finished=results.finished,
        policy_name=str(results.policy.get("name", "")),
        policy_sha256=str(results.policy.get("sha256", "")),
        inventory_path=str(results.inventory.get("path", "")),
        inventory_sha256=str(results.inventory.get("sha256", "")),
        hosts=hosts,
        files=tuple(FileDigest(p, d) for p, d in file_digests),
        host_digests=tuple(digests),
        signer=signer,
        bundle_name=bundle_name,
        netguard_version=results.netguard_version,
    )


def rederive_command(method: SamplingMethod, inventory: str) -> str:
    """The command that draws the same sample again from the same inventory (shell-quoted)."""
    argv = ["netguard", "spot-check", inventory, "--sample", method.requested]
    for pattern in method.limit:
        argv += ["--limit", pattern]
    if method.by:
        argv += ["--by", method.by, "--min-per-stratum", str(method.min_per_stratum)]
    argv += ["--seed", method.seed, "--plan"]
    return shlex.join(argv)
