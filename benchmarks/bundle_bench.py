"""Evidence bundles on a city-sized fleet: write N hosts' raw outputs through the audit's
collection sink, seal and sign, verify every file, replay the whole fleet (parse + checks, no
network); print seconds, bundle size and peak RSS.

Run from the repository root:

    python benchmarks/bundle_bench.py                   # 12,000 hosts
    python benchmarks/bundle_bench.py --hosts 2000 --keep /tmp/b

Each host's output is this machine's real collection (the local transport, ~45 KB), so sizes
and parse costs are those of a real Debian host.
"""

from __future__ import annotations

import argparse
import ipaddress
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netguard.checks import CATALOG  # noqa: E402
from netguard.collect import Collection  # noqa: E402
from netguard.collect.local import collect_local  # noqa: E402
from netguard.engine import AuditJob, AuditOptions, run_audit  # noqa: E402
from netguard.evidence import keys  # noqa: E402
from netguard.evidence.bundle import BundleWriter, manifest_run  # noqa: E402
from netguard.evidence.reader import open_bundle  # noqa: E402
from netguard.evidence.verify import verify_bundle  # noqa: E402
from netguard.inventory import load_inventory, local_inventory  # noqa: E402
from netguard.inventory.dump import dump_inventory  # noqa: E402
from netguard.model import Host, Inventory, Segment, Zone  # noqa: E402
from netguard.policy import default_policy_path, load_policy  # noqa: E402
from netguard.results import dumps, run_document  # noqa: E402

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    t0 = time.perf_counter()
    value = fn()
    print(f"{label:<34} {time.perf_counter() - t0:8.2f} s", flush=True)
    return value


class Recorded:
    def __init__(self, output: bytes, at: float) -> None:
        self.output, self.at = output, at

    def collect(self, host: Host, request: object = None, *, watch: object = None) -> Collection:
        from netguard.model import HostStatus

        return Collection(HostStatus.AUDITED, "", self.output, 0, collected_at=self.at)


def fleet(n: int, folder: Path) -> Inventory:
    """An inventory file of n hosts (a file, as offices have: the bundle copies its bytes)."""
    net = ipaddress.ip_network("10.0.0.0/16")
    seg = Segment("city", Zone.INTRANET, (net,), (ipaddress.ip_address("10.0.0.1"),))
    hosts = tuple(
        Host(f"pc-{i:05}", net[i + 10], "city", transport="local", department=f"d{i % 54}")
        for i in range(n)
    )
    path = folder / "city.yaml"
    path.write_text(dump_inventory(Inventory("", "", {"city": seg}, hosts)), encoding="utf-8")
    return load_inventory(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=12_000)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--keep", help="write the bundle here and keep it")
    args = ap.parse_args()

    sample = collect_local(local_inventory().hosts[0])
    print(f"one host's output: {len(sample.stdout) / 1024:.1f} KiB")
    tmp = Path(tempfile.mkdtemp(prefix="netguard-bundle-bench-"))
    inventory = fleet(args.hosts, tmp)
    policy = load_policy(default_policy_path(), CATALOG)
    key = keys.generate("bench")
    root = Path(args.keep) if args.keep else tmp / "bundle"
    try:
        writer = BundleWriter(root)
        options = AuditOptions(workers=args.workers)
        source = Recorded(sample.stdout, sample.collected_at)
        run = timed(
            f"audit + write ({args.hosts} hosts)",
            lambda: run_audit(
                AuditJob(inventory, policy, options, collector=source, sink=writer.collect_sink)
            ),
        )  # fmt: skip
        doc = run_document(run)
        timed("results + inputs", lambda: writer.add_run(run, dumps(doc)))
        timed("seal + sign", lambda: writer.seal(manifest_run(run), key, "bench"))
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"{'bundle size':<34} {size / 2**20:8.1f} MiB")
        v = timed("verify", lambda: verify_bundle(root, [key.public]))
        assert v.exit_status == 0, v.to_dict()
        bundle = timed("open for replay (verify + index)", lambda: open_bundle(root))
        replay_inventory = load_inventory(bundle.inventory)
        timed(
            "replay (parse + checks)",
            lambda: run_audit(
                AuditJob(replay_inventory, policy, options, collector=bundle.collector())
            ),
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'peak RSS':<34} {rss:8.0f} MiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
