"""Where the audit's memory goes as hosts grow: the pool against a city (tests/lab/city.py), the
audit process watched from the inside.

Run as root from the repository root (the lab needs it, as tests/lab does):

    python benchmarks/pool_memory.py -n 100 300 --machines 4
    python benchmarks/pool_memory.py -n 300 --variants plain,arenas2,trace

Each audit is the real command line (``netguard audit INVENTORY --format json --workers 32``) in
the lab's auditor namespace, with a sampler thread beside it that reads, once a second, the
process's RSS, its threads and (variant ``trace``) the memory Python's allocator has handed out
(``tracemalloc``); at the end it counts the paramiko objects still alive (a transport or thread
not released would show here) and prints the allocation sites holding the most at the traced
peak. Variants:

- ``plain``: as an office runs it;
- ``arenas2``: ``MALLOC_ARENA_MAX=2`` — glibc gives every thread that allocates at the same time
  its own malloc arena (up to 8 per core) and keeps what they freed; if the peak falls with it,
  the growth is the arenas' fragmentation, not objects kept;
- ``trace``: ``tracemalloc`` on (slower: its CPU is not comparable);
- ``NAME-again`` (e.g. ``plain-again``): NAME once more on NAME's history, which now holds a
  complete earlier run of the same hosts (as every run of an office after its first); the others
  start on an empty history of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.lab import netlab  # noqa: E402
from tests.lab.city import City, CityPlan  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from pool_bench import emit  # noqa: E402

# The audit with a sampler thread; argv: out.json, TRACE(0/1), then the netguard arguments.
_WRAP = r"""
import gc, json, resource, sys, threading, time, tracemalloc
out_path, trace = sys.argv[1], sys.argv[2] == "1"
if trace:
    tracemalloc.start(12)
samples, best = [], {"traced": 0, "snapshot": None}
stop = threading.Event()

def rss_mib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def sample():
    t0 = time.monotonic()
    while not stop.wait(1.0):
        row = {"t": round(time.monotonic() - t0, 1), "rss": round(rss_mib(), 1),
               "threads": threading.active_count()}
        if trace:
            current, _ = tracemalloc.get_traced_memory()
            row["traced"] = round(current / 2**20, 1)
            if current > best["traced"] * 1.1:
                best["traced"], best["snapshot"] = current, tracemalloc.take_snapshot()
        samples.append(row)

threading.Thread(target=sample, daemon=True).start()
from netguard.cli.main import main
try:
    code = main(sys.argv[3:])
finally:
    stop.set()
    end_rss = rss_mib()
    gc.collect()
    alive = {}
    for obj in gc.get_objects():
        mod = getattr(type(obj), "__module__", "")
        mod = mod if isinstance(mod, str) else ""
        if mod.startswith("paramiko") or type(obj).__name__ in ("Thread", "HostResult", "Finding"):
            name = f"{mod}.{type(obj).__name__}"
            alive[name] = alive.get(name, 0) + 1
    top = []
    if best["snapshot"] is not None:
        imports = [tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
                   tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>")]
        for stat in best["snapshot"].filter_traces(imports).statistics("lineno")[:15]:
            frame = stat.traceback[0]
            top.append([f"{frame.filename.rsplit('/', 3)[-1]}:{frame.lineno}",
                        round(stat.size / 2**20, 2), stat.count])
    ru = resource.getrusage(resource.RUSAGE_SELF)
    with open(out_path, "w") as fh:
        json.dump({"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024,
                   "end_rss_mib": end_rss, "samples": samples, "alive_after_gc": alive,
                   "traced_peak_mib": tracemalloc.get_traced_memory()[1] / 2**20 if trace else None,
                   "top_at_traced_peak": top}, fh)
sys.exit(code)
"""

VARIANTS = {
    "plain": ({}, False),
    "arenas2": ({"MALLOC_ARENA_MAX": "2"}, False),
    "trace": ({}, True),
}
#: a run's history: its own, empty (the first run of an office) — or, for ``NAME-again``, NAME's,
#: which then holds a complete earlier run of the same hosts (every later run of an office)
AGAIN = "-again"


def audit_once(city: City, variant: str, workers: str, tree: Path = REPO) -> dict[str, Any]:
    tmp = city.lab.tmp
    label = f"{abs(hash(str(tree)))}-{variant}"
    out, usage = tmp / f"{label}.json", tmp / f"{label}.usage.json"
    extra_env, trace = VARIANTS[variant.removesuffix(AGAIN)]
    history = tmp / f"{abs(hash(str(tree)))}-{variant.removesuffix(AGAIN)}.db"
    if not variant.endswith(AGAIN):
        history.unlink(missing_ok=True)
    argv = [sys.executable, "-c", _WRAP, str(usage), "1" if trace else "0",
            "audit", str(city.inventory_path), "--format", "json", "-o", str(out), "-q",
            "--workers", workers, "--history", str(history)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree), **extra_env}
    t0 = time.monotonic()
    cp = city.lab.run_in_auditor(argv, timeout=7200, cwd=tree, env=env)
    wall = time.monotonic() - t0
    if not usage.exists():
        print(f"{variant}: no usage (exit {cp.returncode}): {cp.stderr[-2000:]}", file=sys.stderr)
        return {}
    used = json.loads(usage.read_text())
    samples = used.pop("samples")
    n = city.plan.hosts
    return {
        "tree": str(tree),
        "variant": variant,
        "hosts": n,
        "wall_s": round(wall, 1),
        "cpu_ms_per_host": round(used.pop("cpu_s") / n * 1000, 1),
        "rss_max_sampled": max((s["rss"] for s in samples), default=None),
        "threads_max": max((s["threads"] for s in samples), default=None),
        "rss_every_10s": [s["rss"] for s in samples[::10]],
        "load": os.getloadavg()[0],
        **used,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--hosts", type=int, nargs="+", default=[100, 300])
    p.add_argument("--machines", type=int, default=4, help="real sshd the live hosts share")
    p.add_argument("--connect-timeout", type=float, default=3.0)
    p.add_argument("--workers", default="32")
    p.add_argument("--variants", default="plain,arenas2,trace")
    p.add_argument("--tree", type=Path, action="append",
                   help="a netguard tree audited with (repeatable; default this one)")  # fmt: skip
    p.add_argument("--json", type=Path, help="append every result as a JSON line here")
    args = p.parse_args(argv)
    netlab.LISTENER_LIFETIME = 4 * 3600.0
    for n in args.hosts:
        plan = CityPlan(hosts=n, machines=args.machines, clamd=False,
                        connect_timeout=args.connect_timeout, command_timeout=300.0)  # fmt: skip
        with City(plan) as city:
            city.start()
            for tree in args.tree or [REPO]:
                for variant in args.variants.split(","):
                    emit(audit_once(city, variant, args.workers, tree.resolve()), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
