"""An audit's memory, structurally: full results (with their evidence) live only while their
host is in flight or being written, whether the fleet step holds them back or not; the run keeps
slim ones. No RSS or timing here — benchmarks/audit_memory.py measures."""

from __future__ import annotations

import gc
import io
import ipaddress
import weakref

from netguard.checks import CATALOG
from netguard.collect import Collection
from netguard.collect.parse_linux import encode_sections
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.model import Host, HostResult, HostStatus, Inventory, Segment, Zone
from netguard.policy import default_policy_path, load_policy
from netguard.results import dumps, run_document
from netguard.results.stream import ResultsStream, slim
from tests.unit.recordings import NOW, desktop

HOSTS = 1_500
WORKERS = 4


class Recorded:
    def __init__(self) -> None:
        self.output = encode_sections(desktop())

    def collect(self, host: Host, request: object = None, *, watch: object = None) -> Collection:
        return Collection(HostStatus.AUDITED, stdout=self.output, collected_at=NOW)


def test_full_results_are_not_retained_over_a_run() -> None:
    net = ipaddress.ip_network("10.0.0.0/16")
    # intranet: media.cross_network holds every host's result back until all are done
    seg = Segment("city", Zone.INTRANET, (net,))
    hosts = tuple(Host(f"pc-{i:05}", net[i + 10], "city") for i in range(HOSTS))
    job = AuditJob(
        Inventory("city.yaml", "0" * 64, {"city": seg}, hosts),
        load_policy(default_policy_path(), CATALOG),
        AuditOptions(workers=WORKERS),
        collector=Recorded(),
    )
    alive: list[weakref.ref[HostResult]] = []
    most = 0

    def written(result: HostResult) -> None:
        nonlocal most
        stream.add(result)
        alive.append(weakref.ref(result))
        most = max(most, sum(ref() is not None for ref in alive))

    with ResultsStream() as stream:
        run = run_audit(job, on_result=written, keep=slim)
        gc.collect()
        assert len(alive) == HOSTS
        assert [ref() for ref in alive if ref() is not None] == []
        # never more than the hosts in flight: memory does not grow with the fleet
        assert most <= 2 * WORKERS + 1
        assert all(not f.evidence for r in run.results for f in r.findings)
        out = io.BytesIO()
        stream.write(run, out)
    assert out.getvalue().count(b'\n    {\n      "name": "pc-') == HOSTS
    assert b'"check": "media.cross_network"' in out.getvalue()
    # the held results are the ones the fleet step decided
    assert run.results and len({r.host.name for r in run.results}) == HOSTS
    assert dumps(run_document(run)).count('"name": "pc-') == HOSTS
