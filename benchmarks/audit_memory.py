"""A full audit of a city-sized fleet through the command line, in one process: history, JSON
results, HTML report and evidence bundle; prints wall time, the client's CPU per host and the
peak RSS.

Run from the repository root:

    python benchmarks/audit_memory.py                   # 12,000 hosts
    python benchmarks/audit_memory.py --hosts 3000 --keep /tmp/audit

No host is contacted: every host "answers" with this machine's real collection output (the local
transport, ~45 KiB, recorded once), so parsing, checks, JSON, history and bundle cost what they
cost for a real Debian host, and the network costs nothing. CPU is the process's own (user +
system, ``getrusage``) over the whole command, start-up and inventory loading included, divided
by the number of hosts. "peak RSS, the audit alone" is the peak before the audit writes its
documents (report, bundle copy; read from /proc, Linux only): the rest is what they add.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bundle_bench import Recorded, fleet  # noqa: E402

from netguard.cli import audit as audit_cli  # noqa: E402
from netguard.cli.main import main as netguard  # noqa: E402
from netguard.collect.local import collect_local  # noqa: E402
from netguard.engine import runner  # noqa: E402
from netguard.inventory import local_inventory  # noqa: E402


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib() -> float | None:
    """The process's peak RSS so far (VmHWM), None where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=12_000)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--keep", help="write everything into this (new) folder and keep it")
    ap.add_argument("--no-report", action="store_true", help="no HTML report")
    ap.add_argument(
        "--checklists",
        choices=("never", "critical", "always"),
        default="never",
        help="the audit's --checklists (default never; they read the document back whole)",
    )
    args = ap.parse_args()

    sample = collect_local(local_inventory().hosts[0])
    print(f"one host's output: {len(sample.stdout) / 1024:.1f} KiB", flush=True)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="netguard-audit-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    recorded = Recorded(sample.stdout, sample.collected_at)
    # the live collector every audit uses, answering with the recorded output
    runner.LiveCollector = lambda options, wanted=None: recorded  # type: ignore[assignment,misc,return-value]
    before_outputs: list[float | None] = []
    write_outputs = audit_cli.write_outputs

    def noted(*a: Any, **k: Any) -> None:
        before_outputs.append(peak_rss_mib())
        write_outputs(*a, **k)

    audit_cli.write_outputs = noted
    try:
        inventory = fleet(args.hosts, tmp)
        cpu0, t0 = cpu(), time.perf_counter()
        code = netguard(
            [
                "audit",
                inventory.path,
                "--quiet",
                "--workers",
                str(args.workers),
                "--format",
                "json",
                "-o",
                str(tmp / "results.json"),
                "--history",
                str(tmp / "history.db"),
                *(() if args.no_report else ("--report", "html")),
                "--report-dir",
                str(tmp / "reports"),
                "--checklists",
                args.checklists,
                "--bundle",
                str(tmp / "bundle"),
            ]
        )
        wall, used = time.perf_counter() - t0, cpu() - cpu0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = (tmp / "results.json").stat().st_size / 2**20
        print(f"exit status {code}; results {size:.1f} MiB")
        print(f"{'wall':<24} {wall:8.2f} s")
        print(f"{'client CPU':<24} {used:8.2f} s   {used / args.hosts * 1000:6.2f} ms/host")
        print(f"{'peak RSS':<24} {rss:8.0f} MiB")
        if before_outputs and before_outputs[0] is not None:
            print(f"{'peak RSS, the audit alone':<24} {before_outputs[0]:8.0f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
