"""Report rendering on a city-sized fleet: load a results file, build the report, render
HTML, Markdown and CSV; print seconds per step, output sizes and peak RSS.

Run from the repository root:

    python benchmarks/report_render.py --hosts 12000

The results file is generated (tests/report/fleet.py: 54 units, ~200 VLANs, ten findings per
audited host) into a temporary folder; --keep leaves it and the reports there to look at.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
FLEET = REPO / "tests" / "report" / "fleet.py"
sys.path.insert(0, str(REPO))

from netguard.report import build_report, render_report  # noqa: E402
from netguard.results import load_results  # noqa: E402

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    t0 = time.perf_counter()
    value = fn()
    print(f"{label:<28} {time.perf_counter() - t0:7.2f} s")
    return value


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", "--hosts", type=int, default=12_000)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--keep", action="store_true", help="keep the generated files")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="netguard-report-bench-"))
    results_path = tmp / "results.json"
    # A child process writes the file, so this process's peak RSS is load + render alone.
    timed(
        "generate fleet (child)",
        lambda: subprocess.run(
            [sys.executable, str(FLEET), str(args.hosts), str(results_path)], check=True
        ),
    )
    size = results_path.stat().st_size
    print(f"results file                 {size / 2**20:7.1f} MiB ({args.hosts} hosts)")
    rss_before = peak_rss_mib()

    t_all = time.perf_counter()
    results = timed("load_results", lambda: load_results(results_path))
    report = timed("build_report", lambda: build_report(results))
    for fmt in ("html", "md", "csv"):
        text = timed(f"render {fmt}", partial(render_report, report, fmt, args.lang))
        out = tmp / f"report.{fmt}"
        out.write_text(text, encoding="utf-8")
        print(f"  {fmt} size                  {out.stat().st_size / 2**20:7.1f} MiB")
    print(f"load + build + 3 renders     {time.perf_counter() - t_all:7.2f} s")
    print(
        f"violations {len(report.violations)}, unknown hosts {len(report.unknown_hosts)}, "
        f"detail hosts {len(report.detail_hosts)} ({report.detail_scope})"
    )
    print(
        f"peak RSS                     {peak_rss_mib():7.0f} MiB "
        f"(before loading: {rss_before:.0f} MiB)"
    )
    if args.keep:
        print(f"files in {tmp}")
    else:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
