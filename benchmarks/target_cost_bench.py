"""What one audit costs the audited machines: CPU seconds and bytes of output per host.

Run as root from the repository root (needs what the lab needs: tests/lab/netlab.py):

    python benchmarks/target_cost_bench.py --hosts 20 --rounds 3

Audits N lab machines (real sshd, own /etc) with the baseline policy, alternately with
``--full-inventory`` (every package, program and service: what netguard sent before issue 17)
and without it (only the names of the policy's antivirus catalog), ``--rounds`` times each;
with ``--before DIR``, also with the netguard checkout in DIR as it is (e.g. a worktree of an
older commit: ``git worktree add /tmp/before COMMIT``); and the SSH login alone (``ssh … true``
to every machine, OpenSSH's client), the floor under any collection.
Per host and mode it prints the machines' CPU (their processes and reaped sshd sessions, the SSH
login included: ``Lab.cpu_seconds`` around the audit) and the bytes of the collection output
(the ``output.bin`` files of the audit's evidence bundle), and whether both modes gave every
host the same verdicts. The median round of each mode is reported.

``--sections RUNS`` needs no lab: it runs the collection script on this machine under ``sh -s``
(as netguard sends it: the boundary line, the catalog's names, the script) once per section with
only that section's line kept, RUNS times each, and prints each section's CPU (its processes
and the shell's, ``getrusage`` of the children, median run) above the script with no section,
and the whole script's.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.lab.netlab import INTRANET, Lab, LabError, plain_hosts  # noqa: E402

MODES = {"full": ["--full-inventory"], "wanted": []}


def _login(lab: Lab, addresses: list[str], timeout: float) -> float:
    """The machines' CPU ms per host of an SSH login that runs ``true``."""
    ssh = [
        "ssh", "-i", str(lab.identity_path), "-o", f"UserKnownHostsFile={lab.known_hosts_path}",
        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
    ]  # fmt: skip
    cpu0 = lab.cpu_seconds()
    for addr in addresses:
        cp = lab.run_in_auditor([*ssh, f"root@{addr}", "true"], timeout=timeout)
        if cp.returncode != 0:
            raise LabError(f"ssh {addr} true: exit {cp.returncode}: {cp.stderr[-500:]}")
    return (lab.cpu_seconds() - cpu0) / len(addresses) * 1000


def _audit(
    lab: Lab, mode: str, n: int, workers: int, timeout: float, repo: Path = REPO
) -> dict[str, Any]:
    out = lab.tmp / f"{mode}-{n}"
    report, bundle = out.with_suffix(".json"), out.with_suffix(".bundle")
    for p in (report,):
        p.unlink(missing_ok=True)
    if bundle.exists():
        import shutil

        shutil.rmtree(bundle)
    argv = [
        sys.executable, "-m", "netguard", "audit", str(lab.inventory_path), "--format", "json",
        "-o", str(report), "--workers", str(workers), "-q", "--bundle", str(bundle),
        *MODES.get(mode, []),
    ]  # fmt: skip
    cpu0 = lab.cpu_seconds()
    cp = lab.run_in_auditor(argv, timeout=timeout, cwd=repo)
    cpu = lab.cpu_seconds() - cpu0
    if not report.exists():
        raise LabError(f"audit wrote no report (exit {cp.returncode}):\n{cp.stderr[-3000:]}")
    hosts = json.loads(report.read_text())["hosts"]
    verdicts = {h["name"]: {f["check"]: f["status"] for f in h.get("findings", [])} for h in hosts}
    outputs = sorted(bundle.rglob("output.bin"))
    return {
        "cpu_ms_per_host": cpu / n * 1000,
        "bytes_per_host": sum(p.stat().st_size for p in outputs) / max(1, len(outputs)),
        "audited": sum(h["status"] == "audited" for h in hosts),
        "verdicts": verdicts,
    }


#: a section's line in the script's last part (continuation lines included)
_SECTION_LINE = re.compile(r"^  sec(?:c|logs)? (\S+) (?:.*\\\n)*.*\n", re.MULTILINE)


def _script_cpu_ms(stdin: bytes, runs: int) -> float:
    """Median CPU ms of ``sh -s`` running ``stdin`` (its processes included)."""
    env = {
        "LC_ALL": "C",
        "LANG": "C",
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    }
    times = []
    for _ in range(runs):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["sh", "-s"], input=stdin, capture_output=True, env=env, check=False)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
    return statistics.median(times)


def sections(runs: int) -> dict[str, float]:
    """Each section's CPU ms on this machine, and the whole script's (``total``)."""
    from netguard.cli.options import load_policy
    from netguard.collect import linux_script
    from netguard.collect.framing import new_boundary
    from netguard.collect.framing import preamble as boundary_preamble
    from netguard.collect.wanted import from_products
    from netguard.collect.wanted import preamble as wanted_preamble

    head = boundary_preamble(new_boundary())
    head += wanted_preamble(from_products(load_policy(None).products))
    script = linux_script().decode()
    lines = list(_SECTION_LINE.finditer(script))
    start, end = lines[0].start(), lines[-1].end()

    def only(keep: list[re.Match[str]]) -> bytes:
        body = "".join(m.group() for m in keep)
        return head + (script[:start] + body + script[end:]).encode()

    empty = _script_cpu_ms(only([]), runs)
    out = {m.group(1): _script_cpu_ms(only([m]), runs) - empty for m in lines}
    out["(the shell, no section)"] = empty
    out["total"] = _script_cpu_ms(head + script.encode(), runs)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--hosts", type=int, default=20)
    p.add_argument("-w", "--workers", type=int, default=4)
    p.add_argument("-r", "--rounds", type=int, default=3)
    p.add_argument("--clamd", action="store_true", help="a running clamd on every machine")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    p.add_argument("--before", type=Path, metavar="DIR", help="also audit with this checkout")
    p.add_argument(
        "--sections", type=int, metavar="RUNS", help="no lab: each section's CPU on this machine"
    )
    args = p.parse_args(argv)
    if args.sections:
        costs = sections(args.sections)
        for name, ms in sorted(costs.items(), key=lambda kv: -kv[1]):
            print(f"{ms:7.1f} ms  {name}")
        if args.json:
            print(json.dumps({k: round(v, 1) for k, v in costs.items()}))
        return 0
    if not 1 <= args.hosts <= 1000 or args.rounds < 1 or args.workers < 1:
        p.error("--hosts 1..1000, --rounds and --workers at least 1")

    lab = Lab(start_timeout=max(60.0, args.hosts * 0.5))
    lab.add_segment(INTRANET, "intranet", "10.20.0.0/22", "10.20.0.1")
    specs = plain_hosts(lab, args.hosts, clamd=args.clamd)
    modes = {"before": args.before} if args.before else {}
    modes.update({m: REPO for m in MODES})
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    logins: list[float] = []
    try:
        lab.start()
        for _ in range(args.rounds):
            logins.append(_login(lab, [s.address for s in specs], args.timeout))
            for mode, repo in modes.items():
                runs[mode].append(
                    _audit(lab, mode, args.hosts, args.workers, args.timeout, repo.resolve())
                )
    except LabError as e:
        print(f"lab failed: {e}", file=sys.stderr)
        return 2
    finally:
        lab.stop()

    same = all(r["verdicts"] == runs["full"][0]["verdicts"] for rs in runs.values() for r in rs)
    result: dict[str, Any] = {"hosts": args.hosts, "workers": args.workers, "clamd": args.clamd}
    for mode, rs in runs.items():
        result[mode] = {
            "cpu_ms_per_host": round(statistics.median(r["cpu_ms_per_host"] for r in rs), 1),
            "cpu_ms_per_host_rounds": [round(r["cpu_ms_per_host"], 1) for r in rs],
            "bytes_per_host": round(statistics.median(r["bytes_per_host"] for r in rs)),
            "audited": min(r["audited"] for r in rs),
        }
        print(
            f"{mode:>6}: target CPU {result[mode]['cpu_ms_per_host']} ms/host "
            f"(rounds {result[mode]['cpu_ms_per_host_rounds']}), "
            f"{result[mode]['bytes_per_host']} bytes/host, "
            f"{result[mode]['audited']}/{args.hosts} audited"
        )
    result["login_cpu_ms_per_host"] = round(statistics.median(logins), 1)
    print(f" login: target CPU {result['login_cpu_ms_per_host']} ms/host (ssh … true)")
    result["same_verdicts"] = same
    print(f"same verdicts in every round and mode: {'yes' if same else 'NO'}")
    if args.json:
        print(json.dumps(result))
    return 0 if same and all(result[m]["audited"] == args.hosts for m in modes) else 1


if __name__ == "__main__":
    sys.exit(main())
