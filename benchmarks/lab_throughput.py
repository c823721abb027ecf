"""Audit throughput against a lab of N real machines (network namespaces, real sshd + clamd).

Run as root from the repository root:

    python benchmarks/lab_throughput.py --hosts 50 --workers 32

Prints hosts/s, wall time, the client's CPU seconds per host (resource.getrusage of the audit
process), the machines' CPU seconds per host (sshd sessions included), and peak RSS. On a small
machine the target side shares the CPU with the client: read both CPU figures, not only hosts/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.lab.netlab import INTRANET, Lab, LabError, plain_hosts  # noqa: E402

MAX_HOSTS = 1000  # a Linux bridge takes at most 1024 ports


def _bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        v = int(text)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return v

    return parse


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--hosts", type=_bounded_int(1, MAX_HOSTS), default=50)
    p.add_argument("-w", "--workers", type=_bounded_int(1, 1024), default=32)
    p.add_argument(
        "--no-clamd", action="store_true", help="machines without a running clamd (less memory)"
    )
    p.add_argument(
        "--timeout", type=float, default=600, help="give up on the audit after this many seconds"
    )
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    p.add_argument(
        "--lab-only", action="store_true", help="build, measure and tear down the lab; no audit"
    )
    args = p.parse_args(argv)

    # A /22 holds every host we allow; the lab refuses more than the bridge takes.
    lab = Lab(start_timeout=max(60.0, args.hosts * 0.5))
    lab.add_segment(INTRANET, "intranet", "10.20.0.0/22", "10.20.0.1")
    plain_hosts(lab, args.hosts, clamd=not args.no_clamd)
    t0 = time.monotonic()
    try:
        lab.start()
        up = time.monotonic() - t0
        mem = lab.memory_per_machine()
        pss = sum(m["pss"] for m in mem.values())
        if args.lab_only:
            print(
                f"{args.hosts} machines up in {up:.2f}s "
                f"(build {lab.timings.build_s:.2f}s, start {lab.timings.start_s:.2f}s); "
                f"{pss / args.hosts / 2**20:.2f} MiB PSS, "
                f"{sum(m['rss'] for m in mem.values()) / args.hosts / 2**20:.2f} MiB RSS/machine"
            )
            return 0
        report = lab.tmp / "report.json"
        argv_audit = [
            sys.executable, "-m", "netguard", "audit", str(lab.inventory_path),
            "--format", "json", "-o", str(report), "--workers", str(args.workers), "-q",
        ]  # fmt: skip
        cpu_machines0 = lab.cpu_seconds()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t1 = time.monotonic()
        cp = lab.run_in_auditor(argv_audit, timeout=args.timeout, cwd=REPO)
        wall = time.monotonic() - t1
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_machines = lab.cpu_seconds() - cpu_machines0
        statuses: dict[str, int] = {}
        if report.exists():
            for h in json.loads(report.read_text()).get("hosts", []):
                statuses[h["status"]] = statuses.get(h["status"], 0) + 1
        else:
            print(f"audit wrote no report (exit {cp.returncode}):\n{cp.stderr[-3000:]}")
    except LabError as e:
        print(f"lab failed: {e}", file=sys.stderr)
        return 2
    finally:
        lab.stop()
        if args.lab_only:
            print(f"down in {lab.timings.stop_s:.2f}s; leftovers: {lab.leftovers()}")

    client_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    n = args.hosts
    result = {
        "hosts": n,
        "workers": args.workers,
        "clamd": not args.no_clamd,
        "lab_up_s": round(up, 2),
        "lab_down_s": round(lab.timings.stop_s, 2),
        "lab_pss_mib_per_host": round(pss / n / 2**20, 2),
        "audit_exit": cp.returncode,
        "statuses": statuses,
        "wall_s": round(wall, 2),
        "hosts_per_s": round(n / wall, 2),
        "client_cpu_s_per_host": round(client_cpu / n, 4),
        "machines_cpu_s_per_host": round(cpu_machines / n, 4),
        # ru_maxrss of RUSAGE_CHILDREN: the largest waited-for child, i.e. the audit process.
        "client_peak_rss_mib": round(ru1.ru_maxrss / 1024, 1),
    }
    print(
        f"{n} hosts, {args.workers} workers: {result['hosts_per_s']} hosts/s, wall {wall:.2f}s, "
        f"client CPU {result['client_cpu_s_per_host'] * 1000:.1f} ms/host, "
        f"machines CPU {result['machines_cpu_s_per_host'] * 1000:.1f} ms/host, "
        f"client peak RSS {result['client_peak_rss_mib']} MiB\n"
        f"lab: up {up:.2f}s, down {lab.timings.stop_s:.2f}s, "
        f"{result['lab_pss_mib_per_host']} MiB PSS/host; statuses {statuses}; "
        f"audit exit {cp.returncode}"
    )
    if args.json:
        print(json.dumps(result))
    return 0 if statuses.get("audited") == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
