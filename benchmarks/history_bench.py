"""The history on a city-sized fleet: write N-host runs through the live writer (as
``netguard audit --history`` does), read a run back, diff two runs; print seconds, database
size per run and peak RSS.

Run from the repository root:

    python benchmarks/history_bench.py                  # 12,000 hosts, 3 nights
    python benchmarks/history_bench.py --hosts 50000 --runs 5
    python benchmarks/history_bench.py --history postgresql://netguard@db/bench  # an empty one

Night 1 is the generated fleet (tests/report/fleet.py); every later night changes about 2 % of
the hosts (fixed, broken, unreachable), so the database grows as a real history would: most
findings are the same as the night before.
"""

from __future__ import annotations

import argparse
import copy
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netguard.history import diff_documents, open_store  # noqa: E402
from tests.report.fleet import fleet_document  # noqa: E402
from tests.unit.test_history import result_of, run_of  # noqa: E402

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    t0 = time.perf_counter()
    value = fn()
    print(f"{label:<34} {time.perf_counter() - t0:7.2f} s")
    return value


def next_night(doc: dict[str, Any], night: int, rng: random.Random) -> dict[str, Any]:
    """The same fleet a night later: ~1 % of hosts change a finding, ~1 % change reachability."""
    out = copy.deepcopy(doc)
    out["run"]["id"] = f"{night:08d}" + out["run"]["id"][8:]
    out["run"]["started"] = f"2026-11-{23 + night:02d}T01:00:00+00:00"
    out["run"]["finished"] = f"2026-11-{23 + night:02d}T01:14:05+00:00"
    for h in out["hosts"]:
        roll = rng.random()
        if roll < 0.01 and h["findings"]:
            f = rng.choice(h["findings"])
            if f["status"] in ("pass", "fail"):
                f["status"] = "fail" if f["status"] == "pass" else "pass"
        elif roll < 0.02:
            down = h["status"] == "audited"
            h["status"], h["detail"] = ("unreachable", "TCP timeout") if down else ("audited", "")
            if down:
                h["findings"] = []
    return out


def write_night(store: Any, doc: dict[str, Any]) -> tuple[float, float]:
    """Write one run through begin/add/finish; return (seconds in add, seconds in finish)."""
    run, results = run_of(doc)  # the audit's objects: not part of the history's cost
    run.id = doc["run"]["id"]
    run.results.extend(results)
    writer = store.begin(run)
    t0 = time.perf_counter()
    for r in results:
        writer.add(r)
    t1 = time.perf_counter()
    writer.finish(run)
    return t1 - t0, time.perf_counter() - t1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=12_000)
    ap.add_argument("--runs", type=int, default=3, help="nights to write (at least 2)")
    ap.add_argument("--keep", action="store_true", help="leave the database in its folder")
    ap.add_argument(
        "--history",
        metavar="URL",
        help="an empty PostgreSQL database to write into (docs/history.md) instead of a new "
        "SQLite file; its size is PostgreSQL's (pg_database_size)",
    )
    args = ap.parse_args()
    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp(prefix="netguard-history-"))
    db = folder / "history.sqlite"
    target: str | Path = args.history or db
    doc = timed(f"generate {args.hosts} hosts", lambda: fleet_document(args.hosts))
    findings = sum(len(h["findings"]) for h in doc["hosts"])
    print(f"{'findings per run':<34} {findings:7d}")
    # building HostResults is the audit's cost, not the history's; to_dict() is in add()
    results = timed("HostResults (not history)", lambda: [result_of(h) for h in doc["hosts"]])
    timed("to_dict() of a run (inside add)", lambda: [r.to_dict() for r in results])
    sizes = []
    with open_store(target) as store:
        nights = [doc]
        for night in range(1, max(2, args.runs)):
            nights.append(next_night(nights[-1], night, rng))
        for night, d in enumerate(nights):
            add_s, finish_s = write_night(store, d)
            size = _size(store)
            sizes.append(size)
            print(
                f"night {night}: add {add_s:5.2f} s ({add_s / args.hosts * 1e6:4.0f} µs/host), "
                f"finish {finish_s:4.2f} s; db {size / 2**20:6.1f} MiB"
            )
        runs = timed("list runs (runs())", store.runs)
        a = timed("read back night 0 (document)", lambda: store.document(runs[-1].id))
        b = timed("read back night 1 (document)", lambda: store.document(runs[-2].id))
        diff = timed("diff night 0 → night 1", lambda: diff_documents(a, b))
        timed("record an imported document", lambda: store.record(_renamed(doc)))
        size = _size(store)
    per_later = (sizes[-1] - sizes[0]) / (len(sizes) - 1) if len(sizes) > 1 else 0
    print(f"{'db after night 0':<34} {sizes[0] / 2**20:7.1f} MiB")
    print(f"{'growth per later night':<34} {per_later / 2**20:7.1f} MiB")
    print(f"{'db at the end (checkpointed)':<34} {size / 2**20:7.1f} MiB")
    print(f"diff: {diff.counts()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<34} {peak:7.0f} MiB")
    if args.keep and not args.history:
        print(f"kept: {db}")
    else:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    return 0


def _size(store: Any) -> int:
    """Bytes the history takes: the SQLite file checkpointed (data, not WAL), or the
    PostgreSQL database."""
    if store.path is None:
        return int(store._conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(store.path.stat().st_size)


def _renamed(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["run"]["id"] = "imported" + out["run"]["id"][8:]
    return out


if __name__ == "__main__":
    raise SystemExit(main())
