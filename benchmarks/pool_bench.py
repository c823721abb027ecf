"""The pool against a city of live, switched-off and hanging hosts, with and without WAN latency.

Run as root from the repository root (the lab needs it, as tests/lab does):

    python benchmarks/pool_bench.py --hosts 1000                      # this tree, auto and 32
    python benchmarks/pool_bench.py --hosts 1000 --before /work/main  # and another tree, 32
    python benchmarks/pool_bench.py --rtt 100 --before /work/main --before-workers 8 --runs 8

The city (tests/lab/city.py): 10 % of the hosts switched off (their SYN dropped: the connect
times out), 2 % accepting TCP and never sending a banner, the rest live hosts on a few real
OpenSSH sshd running the real collection script; ``--rtt`` adds a delaying relay (user space:
this kernel has no netem) in front of every live host. Each audit is the real command line
(``netguard audit INVENTORY --format json``) in the lab's auditor namespace, measured from the
inside: wall time, the audit process's CPU (``getrusage(RUSAGE_SELF)`` at its exit, all threads)
and peak RSS, the machines' CPU (their processes and sessions, the relays' own CPU taken out),
the bytes on the auditor's wire, the statuses, and how the pool moved (its debug log).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.lab import netlab  # noqa: E402
from tests.lab.city import LIVE, City, CityPlan, kind_of  # noqa: E402

# The audit, wrapped: the pool's decisions to a file, and the process's own usage at its exit.
_WRAP = r"""
import json, logging, resource, sys
log_path, usage_path = sys.argv[1], sys.argv[2]
handler = logging.FileHandler(log_path)
handler.setFormatter(logging.Formatter("%(relativeCreated)d %(message)s"))
pool = logging.getLogger("netguard.pool")
pool.addHandler(handler); pool.setLevel(logging.DEBUG); pool.propagate = False
from netguard.cli.main import main
try:
    code = main(sys.argv[3:])
finally:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    with open(usage_path, "w") as fh:
        json.dump({"cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss}, fh)
sys.exit(code)
"""


# The yardstick: a bare paramiko pool (threads, no host-key check, no parsing, nothing written)
# sending each live host the very bytes netguard sends (its remote_exec: preamble lines and the
# script) and reading the output to its end. What netguard costs beyond it is netguard's own.
_BARE = r"""
import json, resource, socket, sys, yaml
from concurrent.futures import ThreadPoolExecutor
import paramiko
from netguard.collect.ssh import remote_exec
from netguard.inventory import load_inventory
inventory_path, workers, usage_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
inv = load_inventory(inventory_path)
key = paramiko.Ed25519Key.from_private_key_file(inv.hosts[0].ssh.identity_file)

def one(host):
    command, stdin = remote_exec(host)
    try:
        where = (str(host.address), host.ssh.port)
        sock = socket.create_connection(where, host.ssh.connect_timeout)
    except OSError:
        return "unreachable"
    t = paramiko.Transport(sock)
    t.banner_timeout = t.handshake_timeout = host.ssh.connect_timeout
    try:
        t.connect(username=host.ssh.user, pkey=key)
        chan = t.open_session()
        chan.exec_command(command)
        chan.sendall(stdin)
        chan.shutdown_write()
        size = 0
        while data := chan.recv(65536):
            size += len(data)
        return "audited" if chan.recv_exit_status() == 0 and size else "error"
    except (paramiko.SSHException, EOFError, OSError):
        return "timeout"
    finally:
        t.close()

with ThreadPoolExecutor(workers) as pool:
    outcome = list(pool.map(one, inv.hosts))
ru = resource.getrusage(resource.RUSAGE_SELF)
with open(usage_path, "w") as fh:
    json.dump({"cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss,
               "outcome": {k: outcome.count(k) for k in set(outcome)}}, fh)
"""


def bare_once(city: City, workers: int) -> dict[str, Any]:
    """The bare paramiko pool over the same city, measured as audit_once measures netguard."""
    tmp = city.lab.tmp
    usage = tmp / "bare.usage"
    argv = [sys.executable, "-c", _BARE, str(city.inventory_path), str(workers), str(usage)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    machines0, t0 = city.lab.cpu_seconds(), time.monotonic()
    cp = city.lab.run_in_auditor(argv, timeout=7200, cwd=REPO, env=env)
    wall = time.monotonic() - t0
    machines = city.lab.cpu_seconds() - machines0
    if not usage.exists():
        raise SystemExit(f"bare pool: no usage (exit {cp.returncode}): {cp.stderr[-2000:]}")
    used = json.loads(usage.read_text())
    n = city.plan.hosts
    return {
        "label": f"bare-paramiko-{workers}",
        "hosts": n,
        "rtt_ms": city.plan.rtt_ms,
        "wall_s": round(wall, 1),
        "client_cpu_ms_per_host": round(used["cpu_s"] / n * 1000, 2),
        "client_peak_rss_mib": round(used["maxrss_kib"] / 1024, 1),
        "machines_cpu_ms_per_host": round(machines / n * 1000, 1),
        "outcome": used["outcome"],
        "load_before": os.getloadavg()[0],
    }


def emit(row: dict[str, Any], json_path: Path | None) -> dict[str, Any]:
    """A result row on stdout, and appended to ``json_path`` as a JSON line if given."""
    line = json.dumps(row, ensure_ascii=False)
    print(line, flush=True)
    if json_path is not None:
        with json_path.open("a") as fh:
            fh.write(line + "\n")
    return row


def _wire_bytes(ns: str) -> int:
    out = subprocess.run(
        ["ip", "netns", "exec", ns, "cat", "/sys/class/net/eth0/statistics/rx_bytes",
         "/sys/class/net/eth0/statistics/tx_bytes"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip
    return sum(int(x) for x in out.split())


def _pool_moves(log: Path) -> dict[str, Any]:
    sizes, flights = [], []
    if log.exists():
        for line in log.read_text().splitlines():
            fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
            if "size" in fields:
                sizes.append(int(fields["size"]))
                flights.append(int(fields["in_flight"]))
    if not sizes:
        return {}
    return {"size_min": min(sizes), "size_max": max(sizes), "in_flight_max": max(flights)}


def all_outputs(tmp: Path, label: str) -> list[str]:
    """What an office's scheduled audit writes besides the JSON results: the history, the HTML
    report and the evidence bundle (no checklists: they depend on the findings, not the size)."""
    return ["--history", str(tmp / f"{label}.history.db"), "--report", "html",
            "--report-dir", str(tmp / f"{label}.reports"), "--checklists", "never",
            "--bundle", str(tmp / f"{label}.bundle")]  # fmt: skip


def audit_once(
    city: City, tree: Path, label: str, workers: list[str], outputs: bool = False
) -> dict[str, Any]:
    tmp = city.lab.tmp
    out, log, usage = tmp / f"{label}.json", tmp / f"{label}.pool.log", tmp / f"{label}.usage"
    argv = [sys.executable, "-c", _WRAP, str(log), str(usage), "audit", str(city.inventory_path),
            "--format", "json", "-o", str(out), "-q", *workers,
            *(all_outputs(tmp, label) if outputs else [])]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree)}
    machines0, relays0 = city.lab.cpu_seconds(), city.relay_cpu_seconds()
    wire0 = _wire_bytes(city.lab.auditor_ns)
    t0 = time.monotonic()
    cp = city.lab.run_in_auditor(argv, timeout=7200, cwd=tree, env=env)
    wall = time.monotonic() - t0
    wire = _wire_bytes(city.lab.auditor_ns) - wire0
    relays = city.relay_cpu_seconds() - relays0
    machines = city.lab.cpu_seconds() - machines0 - relays
    n = city.plan.hosts
    outcome: Counter[str] = Counter()
    if out.exists():
        for h in json.loads(out.read_text())["hosts"]:
            outcome[f"{city.expected[h['name']]}:{h['status']}"] += 1
    else:
        print(f"{label}: no results (exit {cp.returncode}): {cp.stderr[-2000:]}", file=sys.stderr)
    used = json.loads(usage.read_text()) if usage.exists() else {"cpu_s": 0, "maxrss_kib": 0}
    return {
        "label": label,
        "hosts": n,
        "rtt_ms": city.plan.rtt_ms,
        "workers": " ".join(workers) or "default",
        "outputs": "json, history, html report, bundle" if outputs else "json",
        "wall_s": round(wall, 1),
        "client_cpu_ms_per_host": round(used["cpu_s"] / n * 1000, 2),
        "client_peak_rss_mib": round(used["maxrss_kib"] / 1024, 1),
        "machines_cpu_ms_per_host": round(machines / n * 1000, 1),
        "relay_cpu_ms_per_host": round(relays / n * 1000, 1),
        "wire_bytes_per_host": round(wire / n),
        "outcome": dict(sorted(outcome.items())),
        "pool": _pool_moves(log),
        "load_before": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--hosts", type=int, default=1000)
    p.add_argument("--machines", type=int, default=8, help="real sshd the live hosts share")
    p.add_argument("--rtt", type=float, action="append", help="simulated RTT in ms (repeatable; "
                   "default: 0 and 100)")  # fmt: skip
    p.add_argument("--connect-timeout", type=float, default=10.0, help="the inventory default")
    p.add_argument("--command-timeout", type=float, default=120.0)
    p.add_argument("--before", type=Path, help="another tree (e.g. main), audited first")
    p.add_argument("--before-workers", default="32", help="its --workers (default 32)")
    p.add_argument("--runs", default="auto,32", help="this tree's --workers values, in order")
    p.add_argument("--no-clamd", action="store_true")
    p.add_argument("--json", type=Path, help="append every result as a JSON line here")
    p.add_argument("--bare", type=int, metavar="WORKERS",
                   help="first, a bare paramiko pool of WORKERS threads sending the same bytes "
                   "(the yardstick for netguard's own client CPU)")  # fmt: skip
    p.add_argument("--live-only", action="store_true",
                   help="a city of only the live hosts a mixed city of --hosts has (its yardstick: "
                   "the mixed city should take at most one time-out longer)")  # fmt: skip
    p.add_argument("--outputs", action="store_true",
                   help="also write the history, the HTML report and the bundle (the peak RSS "
                   "of a whole scheduled audit)")  # fmt: skip
    args = p.parse_args(argv)
    netlab.LISTENER_LIFETIME = 4 * 3600.0  # the hanging hosts outlive a long run
    rows = []
    for rtt in args.rtt or [0.0, 100.0]:
        hosts = args.hosts
        if args.live_only:
            hosts = sum(kind_of(i) == LIVE for i in range(args.hosts))
        plan = CityPlan(hosts=hosts, machines=args.machines, rtt_ms=rtt, live_only=args.live_only,
                        clamd=not args.no_clamd, connect_timeout=args.connect_timeout,
                        command_timeout=args.command_timeout)  # fmt: skip
        t0 = time.monotonic()
        with City(plan) as city:
            city.start()
            print(f"city of {hosts} hosts (rtt {rtt} ms) up in {time.monotonic() - t0:.1f}s")
            if args.bare:
                rows.append(emit(bare_once(city, args.bare), args.json))
            runs: list[tuple[Path, str, list[str]]] = []
            if args.before is not None:
                w = args.before_workers
                runs.append((args.before.resolve(), f"before-{w}", ["--workers", w]))
            for w in args.runs.split(","):
                runs.append((REPO, f"after-{w}", ["--workers", w]))
            for tree, label, workers in runs:
                rows.append(emit(audit_once(city, tree, label, workers, args.outputs), args.json))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
