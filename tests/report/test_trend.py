"""The trend section: compliance and coverage over the last runs, as a table, two sentences and
an inline SVG line chart — absent without a trend, right with one, escaped, and scaling to 60."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from netguard.history.model import RunSummary
from netguard.report import build_report, render_report, write_report
from netguard.report.svg import (
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    Series,
    line_chart,
    line_y,
)
from netguard.results import Results, parse_results
from tests.report.conftest import ATTR, IMG, SCRIPT, document, finding, host
from tests.report.test_render import _assert_tables_regular

RUN_ID = "0123456789abcdef"  # conftest.document's run id
SHANGHAI = ZoneInfo("Asia/Shanghai")


def summary(
    run_id: str,
    started: datetime,
    *,
    hosts: int = 10,
    audited: int = 10,
    compliant: int = 10,
    failing: int = 0,
    complete: bool = True,
    waived: int = 0,
) -> RunSummary:
    return RunSummary(
        id=run_id,
        started=started,
        finished=started + timedelta(minutes=3),
        complete=complete,
        inventory_path="inventory/county.yaml",
        inventory_sha256="a1" * 32,
        policy_name="baseline",
        policy_sha256="b2" * 32,
        hosts=hosts,
        audited=audited,
        compliant=compliant,
        failing=failing,
        unknown=hosts - compliant - failing,
        waived=waived,
    )


@pytest.fixture
def office() -> Results:
    """The run being reported: 10 hosts, 8 compliant, 1 failing, 1 unreachable — compliance
    80 %, coverage 90 %; started 2026-11-23 14:02 UTC (22:02 in Shanghai)."""
    hosts = [
        host(f"pc{i}", f"10.20.0.{i + 10}", findings=[finding("password.age", "pass")])
        for i in range(8)
    ]
    hosts.append(host("bad", "10.20.0.30", findings=[finding("password.age", "fail")]))
    hosts.append(host("gone", "10.20.0.31", status="unreachable", detail="no route"))
    return parse_results(document(hosts, run_id=RUN_ID))


def three_runs(results: Results) -> list[RunSummary]:
    """50 % → 60 % → 80 % compliance, 70 % → 80 % → 90 % coverage; the last is this run."""
    return [
        summary(
            "run-oct", datetime(2026, 10, 24, 14, 0, tzinfo=UTC), audited=7, compliant=5, failing=2
        ),
        summary(
            "run-nov",
            datetime(2026, 11, 9, 14, 0, tzinfo=UTC),
            audited=8,
            compliant=6,
            failing=2,
            waived=3,
        ),
        summary(RUN_ID, results.started, audited=9, compliant=8, failing=1),
    ]


def polylines(html: str) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for kind, points in re.findall(
        r'<polyline class="line-(\w+)" fill="none" points="([^"]*)"', html
    ):
        out.setdefault(kind, []).extend(
            (float(x), float(y)) for x, y in (p.split(",") for p in points.split())
        )
    return out


def trend_svg(html: str) -> str:
    match = re.search(r'<svg class="chart line".*?</svg>', html, flags=re.S)
    assert match, "no trend chart"
    return match.group(0)


# ---------------------------------------------------------------- no trend


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_section_without_a_trend_or_with_one_run(office: Results, lang: str) -> None:
    plain_html = render_report(office, "html", lang)
    plain_md = render_report(office, "md", lang)
    assert 'id="trend"' not in plain_html and 'href="#trend"' not in plain_html
    assert 'class="chart line"' not in plain_html
    only_this = [summary(RUN_ID, office.started, audited=9, compliant=8, failing=1)]
    for trend in (None, [], only_this):
        assert build_report(office, trend).trend is None
        assert render_report(office, "html", lang, trend=trend) == plain_html
        assert render_report(office, "md", lang, trend=trend) == plain_md
    # an interrupted earlier run is no history to compare with
    broken = [summary("cut", datetime(2026, 11, 1, tzinfo=UTC), complete=False), *only_this]
    assert build_report(office, broken).trend is None


def test_csv_has_no_trend(office: Results) -> None:
    trend = three_runs(office)
    assert render_report(office, "csv", "zh", trend=trend) == render_report(office, "csv", "zh")


# ---------------------------------------------------------------- three runs


def test_model_points(office: Results) -> None:
    trend = build_report(office, three_runs(office)).trend
    assert trend is not None
    assert [p.run_id for p in trend.points] == ["run-oct", "run-nov", RUN_ID]
    assert [p.compliance for p in trend.points] == [0.5, 0.6, 0.8]
    assert [p.coverage for p in trend.points] == [0.7, 0.8, 0.9]
    assert [p.current for p in trend.points] == [False, False, True]
    assert trend.points[1].waived == 3


def test_this_run_is_appended_when_the_history_lacks_it(office: Results) -> None:
    """The trend ends where the report's headline numbers are, from the report itself."""
    runs = three_runs(office)[:2]
    trend = build_report(office, runs).trend
    assert trend is not None and len(trend.points) == 3
    last = trend.last
    assert (last.run_id, last.current, last.started) == (RUN_ID, True, office.started)
    assert (last.hosts, last.audited, last.compliant, last.failing, last.unknown) == (
        10,
        9,
        8,
        1,
        1,
    )
    # the same page as when the history has this run
    assert render_report(office, "md", "en", trend=runs) == render_report(
        office, "md", "en", trend=three_runs(office)
    )


def test_interrupted_runs_are_left_out(office: Results) -> None:
    runs = three_runs(office)
    cut = summary(
        "cut", datetime(2026, 11, 2, tzinfo=UTC), audited=2, compliant=1, failing=1, complete=False
    )
    trend = build_report(office, [runs[0], cut, runs[1], runs[2]]).trend
    assert trend is not None and "cut" not in [p.run_id for p in trend.points]


def test_sentences_en(office: Results) -> None:
    html = render_report(office, "html", "en", tz=SHANGHAI, trend=three_runs(office))
    assert (
        "Since 2026-10-24: compliance rate 50.0% → 80.0% (+30.0 points); "
        "coverage 70.0% → 90.0% (+20.0 points)."
    ) in html
    assert (
        "Compared with the previous audit (2026-11-09): compliance rate +20.0 points; "
        "coverage +10.0 points."
    ) in html
    md = render_report(office, "md", "en", tz=SHANGHAI, trend=three_runs(office))
    assert "## Trend of compliance and coverage" in md
    assert "Since 2026-10-24: compliance rate 50.0% → 80.0% (+30.0 points)" in md


def test_sentences_zh(office: Results) -> None:
    for fmt in ("html", "md"):
        out = render_report(office, fmt, "zh", tz=SHANGHAI, trend=three_runs(office))
        assert "合规率与覆盖率趋势" in out
        assert (
            "与 2026年10月24日相比：合规率 50.0% → 80.0%（+30.0 个百分点）；"
            "覆盖率 70.0% → 90.0%（+20.0 个百分点）。"
        ) in out
        assert "较上次检查（2026年11月09日）：合规率 +20.0 个百分点；覆盖率 +10.0 个百分点。" in out


def test_falls_and_standstills(office: Results) -> None:
    """A drop is negative; no change is said in words; the percentages shown add up."""
    runs = [
        summary("a", datetime(2026, 11, 1, tzinfo=UTC), audited=9, compliant=9),
        summary(RUN_ID, office.started, audited=9, compliant=8, failing=1),
    ]
    en = render_report(office, "md", "en", trend=runs)
    assert "compliance rate 90.0% → 80.0% (-10.0 points); coverage 90.0% → 90.0% (unchanged)" in en
    assert "previous audit" not in en  # two runs: the previous one is the first, said already
    runs.insert(1, summary("b", datetime(2026, 11, 8, tzinfo=UTC), audited=8, compliant=8))
    en = render_report(office, "md", "en", trend=runs)
    assert "(2026-11-08): compliance rate unchanged; coverage +10.0 points." in en
    zh = render_report(office, "md", "zh", trend=runs)
    assert "覆盖率 90.0% → 90.0%（持平）" in zh
    # 2/3 → 5/7: 66.7% → 71.4% is +4.7 points (4.76… unrounded would show +4.8)
    odd = [
        summary("a", datetime(2026, 11, 1, tzinfo=UTC), hosts=3, audited=3, compliant=2, failing=1),
        summary(RUN_ID, office.started, hosts=7, audited=7, compliant=5, failing=2),
    ]
    assert "66.7% → 71.4% (+4.7 points)" in render_report(office, "md", "en", trend=odd)


def test_table(office: Results) -> None:
    html = render_report(office, "html", "en", tz=SHANGHAI, trend=three_runs(office))
    table = re.search(r'<table class="trend">.*?</table>', html, flags=re.S)
    assert table
    rows = re.findall(r"<tr[ >].*?</tr>", table.group(0), flags=re.S)
    assert len(rows) == 4  # header + 3 runs
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", rows[2], re.S)]
    assert cells == ["2026-11-09 22:00", "10", "8", "80.0%", "6", "2", "2", "3", "60.0%"]
    assert rows[3].startswith('<tr class="current">') and "(this report)" in rows[3]
    md = render_report(office, "md", "zh", tz=SHANGHAI, trend=three_runs(office))
    _assert_tables_regular(md)
    assert "| 2026年11月23日 22:02（本次） | 10 | 9 | 90.0% | 8 | 1 | 1 | 0 | 80.0% |" in md
    # the section sits after coverage and before the zones, in the page and the contents
    assert html.index('id="coverage"') < html.index('id="trend"') < html.index('id="by-zone"')
    assert html.index('href="#coverage"') < html.index('href="#trend"') < html.index('href="#by')
    assert md.index("## 检查覆盖率") < md.index("## 合规率与覆盖率趋势") < md.index("## 按网络区域")


# ---------------------------------------------------------------- the chart


def test_chart_maps_values(office: Results) -> None:
    html = render_report(office, "html", "en", tz=SHANGHAI, trend=three_runs(office))
    svg = trend_svg(html)
    ET.fromstring(svg)  # well-formed
    assert html.count("<svg") == 7  # verdict, coverage, trend, 4 group charts
    lines = polylines(svg)
    assert set(lines) == {"compliance", "coverage"}
    assert [y for _, y in lines["compliance"]] == [line_y(0.5), line_y(0.6), line_y(0.8)]
    assert [y for _, y in lines["coverage"]] == [line_y(0.7), line_y(0.8), line_y(0.9)]
    assert [x for x, _ in lines["compliance"]] == [
        PLOT_LEFT,
        (PLOT_LEFT + PLOT_RIGHT) / 2,
        PLOT_RIGHT,
    ]
    # gridlines at 0/25/50/75/100 %: 100 % is the top one, 0 % the bottom one
    grid = [float(y) for y in re.findall(r'<line class="grid" x1="[\d.]+" y1="([\d.]+)"', svg)]
    assert grid == [PLOT_BOTTOM, 190, 140, 90, PLOT_TOP]
    assert line_y(1.0) == PLOT_TOP and line_y(0.0) == PLOT_BOTTOM and line_y(0.5) == 140
    labels = re.findall(r'<text class="axis"[^>]*>([^<]*)</text>', svg)
    assert labels[:5] == ["0%", "25%", "50%", "75%", "100%"]
    assert labels[5:] == ["10-24", "11-09", "11-23"]  # run dates in Shanghai time
    # legend, markers with tooltips, the last values written at the line ends
    assert "Compliance rate</text>" in svg and "Coverage</text>" in svg
    assert svg.count("<title>") == 6
    assert (
        "<title>2026-11-09 22:00: compliance rate 60.0% (6 of 10 hosts compliant); "
        "coverage 80.0% (8 of 10 checked); 2 non-compliant, 2 unknown</title>"
    ) in svg
    ends = re.findall(r'<text class="end-label end-(\w+)"[^>]*>([^<]*)</text>', svg)
    assert sorted(ends) == [("compliance", "80.0%"), ("coverage", "90.0%")]


def test_chart_in_chinese(office: Results) -> None:
    svg = trend_svg(render_report(office, "html", "zh", tz=SHANGHAI, trend=three_runs(office)))
    assert "合规率</text>" in svg and "覆盖率</text>" in svg
    assert "合规率 60.0%（10 台中合规 6 台）" in svg


def test_two_runs() -> None:
    svg = line_chart(
        [Series("compliance", "c", (0.2, 1.0)), Series("coverage", "v", (1.0, 1.0))],
        ["11-01", "11-08"],
        "trend",
        end_labels=["100.0%", "100.0%"],
    )
    ET.fromstring(str(svg))
    lines = polylines(svg)
    assert lines["compliance"] == [(PLOT_LEFT, line_y(0.2)), (PLOT_RIGHT, PLOT_TOP)]
    assert len(re.findall(r'text-anchor="(?:start|end)">11-0[18]<', svg)) == 2
    # equal end values: the labels are moved apart, neither lands below the axis
    ys = sorted(
        float(y) for y in re.findall(r'class="end-label[^"]*" x="[\d.]+" y="([\d.]+)"', svg)
    )
    assert len(ys) == 2 and ys[1] - ys[0] >= 15 and ys[1] <= PLOT_BOTTOM + 6


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sixty_runs(office: Results, lang: str) -> None:
    start = datetime(2026, 9, 25, 14, 0, tzinfo=UTC)
    runs = [
        summary(
            f"run{i:02d}", start + timedelta(days=i), audited=5 + i % 6, compliant=i % 6, failing=1
        )
        for i in range(59)
    ]
    runs.append(summary(RUN_ID, office.started, audited=9, compliant=8, failing=1))
    html = render_report(office, "html", lang, tz=SHANGHAI, trend=runs)
    svg = trend_svg(html)
    ET.fromstring(svg)
    lines = polylines(svg)
    assert len(lines["compliance"]) == len(lines["coverage"]) == 60
    xs = [x for x, _ in lines["compliance"]]
    assert xs == sorted(xs) and xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT
    assert svg.count("<title>") == 120
    dates = re.findall(r'<text class="axis"[^>]*>(\d\d-\d\d)</text>', svg)
    assert 5 <= len(dates) <= 11  # spread out, not 60 on top of each other
    assert dates[0] == "09-25" and dates[-1] == "11-23"  # first and last always
    assert html.count('<tr class="current">') == 1
    md = render_report(office, "md", lang, trend=runs)
    _assert_tables_regular(md)


def test_x_labels_never_crowd() -> None:
    for n in (2, 3, 10, 11, 12, 13, 25, 59, 60, 61, 200):
        svg = line_chart(
            [Series("compliance", "c", tuple(0.5 for _ in range(n)))],
            [f"L{i}" for i in range(n)],
            "t",
        )
        xs = [
            float(x)
            for x in re.findall(rf'<text class="axis" x="([\d.]+)" y="{PLOT_BOTTOM + 16}"', svg)
        ]
        assert xs[0] == PLOT_LEFT and xs[-1] == PLOT_RIGHT, n
        assert all(b - a >= 40 for a, b in itertools.pairwise(xs)), n


def test_empty_run_is_a_gap_not_a_zero(office: Results) -> None:
    """A run without hosts has no rate ("—"): the lines break there instead of diving to 0."""
    runs = [
        summary("a", datetime(2026, 11, 1, tzinfo=UTC), audited=9, compliant=8, failing=1),
        summary("b", datetime(2026, 11, 2, tzinfo=UTC), audited=9, compliant=8, failing=1),
        summary("empty", datetime(2026, 11, 3, tzinfo=UTC), hosts=0, audited=0, compliant=0),
        summary("c", datetime(2026, 11, 4, tzinfo=UTC), audited=9, compliant=8, failing=1),
        summary(RUN_ID, office.started, audited=9, compliant=8, failing=1),
    ]
    html = render_report(office, "html", "en", trend=runs)
    svg = trend_svg(html)
    assert svg.count('<polyline class="line-compliance"') == 2
    assert svg.count("<title>") == 8  # no marker for the empty run
    assert "| 2026-11-03 00:00 | 0 | 0 | — |" in render_report(office, "md", "en", trend=runs)


# ---------------------------------------------------------------- escaping, API


def test_chart_labels_are_escaped() -> None:
    svg = line_chart(
        [Series("compliance", SCRIPT, (0.1, 0.9)), Series("coverage", ATTR, (0.5, None))],
        [IMG, SCRIPT],
        ATTR,
        y_labels=[SCRIPT] * 5,
        tooltips=[IMG, ATTR],
        end_labels=[SCRIPT, IMG],
    )
    assert "<script>" not in svg and "<img" not in svg and '"onmouseover' not in svg
    assert "&lt;script&gt;" in svg and "&lt;img" in svg
    ET.fromstring(str(svg))
    with pytest.raises(ValueError):
        Series('x" onload="alert(1)', "label", (0.5,))


def test_render_with_a_built_report(office: Results) -> None:
    report = build_report(office)
    md = render_report(report, "md", "en", trend=three_runs(office))
    assert "Since " in md and report.trend is None  # the report given is not changed
    assert md == render_report(office, "md", "en", trend=three_runs(office))


def test_write_report_passes_the_trend(office: Results, tmp_path: Path) -> None:
    path = write_report(office, "html", "zh", tmp_path, trend=three_runs(office))
    assert 'id="trend"' in path.read_text(encoding="utf-8")
