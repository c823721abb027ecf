"""Report rendering on a city-sized fleet: load a results file, build the report, render
HTML, Markdown and CSV; print seconds per step, output sizes and peak RSS.

Run from the repository root:

    python benchmarks/report_render.py --hosts 12000

The results file is generated (tests/report/fleet.py: 54 units, ~200 VLANs, ten findings per
audited host) into a temporary folder; --keep leaves it and the reports there to look at.

    python benchmarks/report_render.py --hosts 12000 --fold

--fold: as ``netguard report FILE`` makes an HTML report: the file laid out as netguard writes
it, the report built while the file is read host by host (report.load_report), the HTML
written as it is made; prints the time and the peak RSS of that.
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

from netguard.report import build_report, load_report, render_report, write_report  # noqa: E402
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
    p.add_argument("--fold", action="store_true", help="as `netguard report FILE` (see above)")
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
    if args.fold:  # in netguard's own layout, by a child too
        timed("lay out as netguard (child)", partial(_netguard_layout, results_path))
    size = results_path.stat().st_size
    print(f"results file                 {size / 2**20:7.1f} MiB ({args.hosts} hosts)")
    rss_before = peak_rss_mib()

    t_all = time.perf_counter()
    if args.fold:
        report = timed("load_report", lambda: load_report(results_path))
        out = timed("write html", lambda: write_report(report, "html", args.lang, tmp / "r.html"))
        print(f"  html size                  {out.stat().st_size / 2**20:7.1f} MiB")
        print(f"load + build + html          {time.perf_counter() - t_all:7.2f} s")
        print(f"peak RSS                     {peak_rss_mib():7.0f} MiB (before: {rss_before:.0f})")
        _clean(tmp, args.keep)
        return 0
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
    _clean(tmp, args.keep)
    return 0


def _netguard_layout(path: Path) -> None:
    code = (
        "import json, sys; from netguard.results import dumps; p = sys.argv[1]; "
        "doc = json.load(open(p, encoding='utf-8')); "
        "open(p, 'w', encoding='utf-8').write(dumps(doc))"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=REPO)


def _clean(tmp: Path, keep: bool) -> None:
    if keep:
        print(f"files in {tmp}")
        return
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    raise SystemExit(main())
