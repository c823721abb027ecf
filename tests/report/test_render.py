"""HTML, Markdown and CSV renderings: content, languages, escaping of hostile host data."""

from __future__ import annotations

import csv
import io
import re
import string
from pathlib import Path

import pytest
import yaml

from netguard.report import build_report, render_report
from netguard.report.csv import COLUMNS, safe_cell
from netguard.report.markdown import md_escape
from netguard.report.model import CATEGORY_ORDER, VERDICTS
from netguard.report.svg import Bar, Part, shorten, stacked_bars
from netguard.results import Results, parse_results
from tests.report.conftest import (
    ATTR,
    FORMULA,
    IMG,
    PIPE,
    SCRIPT,
    _lab_text,
    ascii_hosts,
    document,
    finding,
    host,
)

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "netguard" / "i18n"
TEMPLATES = ROOT / "netguard" / "render" / "templates"
# CJK ideographs and punctuation, kana, full-width forms
CJK = re.compile("[\u2e80-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
ZH_TERMS = ("合规率", "覆盖率", "违规外联", "物理隔离", "防病毒软件", "口令", "责任人",
            "房间/位置", "状态不明的计算机", "不符合项", "网络与信息安全")  # fmt: skip


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# ---------------------------------------------------------------- the lab, both languages


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_zh_report_speaks_chinese(lab: Results, fmt: str) -> None:
    out = render_report(lab, fmt, "zh")
    for term in ("合规率", "覆盖率", "物理隔离", "防病毒软件", "口令", "责任人", "房间/位置",
                 "状态不明的计算机", "不符合项", "不合规"):  # fmt: skip
        assert term in out, term
    if fmt == "html":
        assert "违规外联" in out  # the category glossary
    # who must act: department, person, room of a violation
    for text in ("人事科", "赵敏", "Room 103", "route-pc", "10.20.0.13"):
        assert text in out
    assert "71.4%" in out and "14.3%" in out  # coverage 10/14, compliance 2/14


def test_zh_terms_are_in_the_catalog() -> None:
    zh = (I18N / "zh" / "report.yaml").read_text(encoding="utf-8")
    for term in ZH_TERMS[:-1]:
        assert term in zh, term


@pytest.mark.parametrize("fmt", ["html", "md", "csv"])
def test_en_report_adds_no_cjk(lab: Results, fmt: str) -> None:
    """English output shows Chinese only where the host data has it."""
    out = render_report(lab, fmt, "en")
    host_cjk = set(CJK.findall(_lab_text()))
    assert set(CJK.findall(out)) <= host_cjk
    assert "Compliance rate" in out or fmt == "csv"
    assert "Person responsible" in out and "Room / location" in out
    # Host data in ASCII: CJK may only come from the English check catalog, which names the
    # official Chinese term beside its translation (e.g. "(违规外联)").
    checks_en = (I18N / "en" / "checks.yaml").read_text(encoding="utf-8")
    ascii_only = parse_results(document(ascii_hosts()))
    out = render_report(ascii_only, fmt, "en")
    assert set(CJK.findall(out)) <= set(CJK.findall(checks_en))


def test_html_sections_and_structure(lab: Results) -> None:
    html = render_report(lab, "html", "zh")
    for anchor in ("verdict", "coverage", "by-zone", "by-segment", "by-department",
                   "by-category", "violations", "unknown", "hosts", "detail"):  # fmt: skip
        assert f'id="{anchor}"' in html
    assert html.count("<tr data-verdict=") == 14
    assert html.count('<tr data-verdict="failing"') == 9
    assert html.count('<article class="host-detail"') == 14
    assert 'class="verdict-word failing"' in html
    assert html.count("<svg") == 6  # verdict, coverage, 4 group charts
    assert lab.run_id in html
    assert lab.inventory["sha256"][:12] in html and lab.policy["sha256"][:12] in html
    assert lab.inventory["sha256"][:13] not in html  # a prefix, not the whole hash
    # self-contained: nothing to fetch
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<script") == 1  # ours, inline
    assert "Content-Security-Policy" in html


def test_md_tables_keep_their_shape(lab: Results) -> None:
    md = render_report(lab, "md", "zh")
    _assert_tables_regular(md)
    assert md.startswith("# 网络安全合规检查报告")
    assert "## 总体结论：不合规" in md


def _assert_tables_regular(md: str) -> None:
    """Every row of every table has as many unescaped pipes as its header."""
    expected = None
    for line in md.splitlines():
        if not line.startswith("|"):
            expected = None
            continue
        pipes = len(re.findall(r"(?<!\\)\|", line))
        if expected is None:
            expected = pipes
        assert pipes == expected, line


def test_csv_one_row_per_host(lab: Results) -> None:
    text = render_report(lab, "csv", "zh")
    rows = csv_rows(text)
    assert len(rows) == 15 and all(len(r) == len(COLUMNS) for r in rows)
    assert rows[0][0] == "计算机名" and "责任人" in rows[0] and "房间/位置" in rows[0]
    by_name = {r[0]: r for r in rows[1:]}
    no_av = by_name["no-av"]
    assert no_av[4:7] == ["后勤科", "郑浩", "Room 107"]
    assert no_av[8] == "不合规"
    assert no_av[11] == "antivirus.installed, antivirus.running, antivirus.signatures"
    assert by_name["hang-pc"][8] == "状态不明" and "3 s" in by_name["hang-pc"][13]
    assert by_name["ok-pc"][8] == "合规" and by_name["ok-pc"][13] == ""
    assert "\r\n" in text


def test_csv_gives_the_standard_clauses_of_each_failing_check() -> None:
    """One ``check: clause · clause`` per failing check, in the order of the check ids; a
    passing check's clauses are not the register's business; a clause is text, whatever it
    reads like."""
    failing = finding("isolation.wireless", "fail", severity="critical")
    failing["references"] = ["GB/T 22239-2019 8.1.3.1", "BMB 17-2006"]
    old = finding("password.age", "fail")  # a document from before references were recorded
    formula = finding("media.usb", "fail")
    formula["references"] = ["=HYPERLINK(1)"]
    passing = finding("antivirus.running", "pass")
    passing["references"] = ["GB/T 22239-2019 8.1.4.5"]
    doc = document([host("pc-1", findings=[failing, old, formula, passing])])
    rows = csv_rows(render_report(parse_results(doc, "r.json"), "csv", "en"))
    header, (row,) = rows[0], rows[1:]
    assert header[-1] == "Basis of failed checks" and COLUMNS[-1] == "failing_basis"
    assert row[11] == "isolation.wireless, password.age, media.usb"
    assert row[-1] == (
        "isolation.wireless: GB/T 22239-2019 8.1.3.1 · BMB 17-2006; media.usb: =HYPERLINK(1)"
    )
    assert "8.1.4.5" not in ",".join(row)


# ---------------------------------------------------------------- hostile host data


def test_html_escapes_hostile_host_data(hostile: Results) -> None:
    for lang in ("zh", "en"):
        html = render_report(hostile, "html", lang)
        assert SCRIPT not in html and "<script>alert" not in html
        assert html.count("<script") == 1  # only ours
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert ATTR not in html and '"onmouseover' not in html
        assert "onmouseover=alert(2)" in html  # shown, as text
        assert IMG not in html and "<img" not in html
        assert "&lt;img src=x onerror=alert(3)&gt;" in html
        assert FORMULA.replace("'", "&#39;") in html  # a hostname, shown as it is


def test_svg_labels_are_escaped() -> None:
    svg = stacked_bars([Bar(SCRIPT, (Part("failing", 1, ATTR),), note=IMG)], label=ATTR)
    assert "<script>" not in svg and "<img" not in svg and '"onmouseover' not in svg
    with pytest.raises(ValueError):
        Part('x" onload="alert(1)', 1, "")
    assert shorten("财务科" * 20).endswith("…") and len(shorten("财务科" * 20)) <= 14
    assert shorten("short") == "short"


def test_markdown_escapes_hostile_host_data(hostile: Results) -> None:
    md = render_report(hostile, "md", "zh")
    _assert_tables_regular(md)
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "a\\|b\\|c" in md  # a pipe cannot split a cell
    assert "\\[click\\](javascript:alert(4))" in md  # no link
    assert "`x`" not in md and "\\`x\\`" in md
    # newlines inside a message would end the table row
    assert all(line.startswith("|") or "next" not in line for line in md.splitlines())
    assert "\x1b" not in md


def test_md_escape_caps_and_flattens() -> None:
    assert md_escape("a\nb\r\nc\rd") == "a b c d"
    assert md_escape("x" * 500, 50).endswith("…") and len(md_escape("x" * 500, 50)) == 50
    assert md_escape("<b>&") == "&lt;b&gt;&amp;"
    assert md_escape("*bold* _it_ ~s~ #h") == "\\*bold\\* \\_it\\_ \\~s\\~ \\#h"


def test_csv_defuses_formulas(hostile: Results) -> None:
    rows = csv_rows(render_report(hostile, "csv", "en"))
    by_addr = {r[1]: r for r in rows[1:]}
    evil = by_addr["10.20.0.66"]
    assert evil[0] == SCRIPT  # text in a spreadsheet, nothing to escape
    assert evil[4] == ATTR and evil[5] == "'" + FORMULA and evil[6] == PIPE
    down = by_addr["10.20.0.67"]
    assert down[0] == "'" + FORMULA
    assert (down[4], down[5], down[6]) == ("'+SUM(1,2)", "'@evil", "'-1+1")
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert "\n" not in cell


def test_safe_cell() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("\t=1") == "'\t=1" or safe_cell("\t=1").startswith("'")
    assert safe_cell("10.0.0.1") == "10.0.0.1"
    assert safe_cell("a\nb") == "a b"


# ---------------------------------------------------------------- edge cases


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_fleet(lang: str) -> None:
    results = parse_results(document([]))
    html = render_report(results, "html", lang)
    assert 'class="verdict-word unknown"' in html
    assert "<tr data-verdict" not in html and 'id="host-table"' not in html
    md = render_report(results, "md", lang)
    _assert_tables_regular(md)
    rows = csv_rows(render_report(results, "csv", lang))
    assert len(rows) == 1  # the header
    verdict_line = next(line for line in md.splitlines() if line.startswith("## "))
    assert ("状态不明" if lang == "zh" else "Unknown") in verdict_line


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_all_hosts_unknown_is_never_compliant(lang: str) -> None:
    hosts = [
        host(f"pc{i}", f"10.20.0.{i + 10}", status=s, detail=f"why {i}")
        for i, s in enumerate(["unreachable", "timeout", "auth_failed", "hostkey_unknown"])
    ]
    results = parse_results(document(hosts))
    html = render_report(results, "html", lang)
    assert 'class="verdict-word unknown"' in html and "verdict-word compliant" not in html
    assert 'class="kpi-value">0.0%' in html  # coverage and compliance
    md = render_report(results, "md", lang)
    unknown = "状态不明" if lang == "zh" else "Unknown"
    verdict_line = next(line for line in md.splitlines() if line.startswith("## "))
    assert verdict_line.endswith(("：" if lang == "zh" else ": ") + unknown)
    assert "0.0%" in md
    for i in range(4):
        assert f"why {i}" in html and f"why {i}" in md
    rows = csv_rows(render_report(results, "csv", lang))
    assert {r[8] for r in rows[1:]} == {unknown}


def test_report_object_can_be_rendered_repeatedly(lab: Results) -> None:
    report = build_report(lab)
    assert render_report(report, "md", "zh") == render_report(lab, "md", "zh")
    with pytest.raises(ValueError):
        render_report(report, "pdf", "zh")
    with pytest.raises(ValueError):
        render_report(report, "docx", "zh")


# ---------------------------------------------------------------- catalogs


def _flat(node: object, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        out: dict[str, str] = {}
        for k, v in node.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: str(node)}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en = _flat(yaml.safe_load((I18N / "en" / "report.yaml").read_text(encoding="utf-8")))
    zh = _flat(yaml.safe_load((I18N / "zh" / "report.yaml").read_text(encoding="utf-8")))
    assert set(en) == set(zh)
    assert all(k.startswith("report.") for k in en)
    for key in en:
        assert _fields(en[key]) == _fields(zh[key]), key
    assert not any(CJK.search(v) for v in en.values())


def test_every_key_the_code_uses_exists() -> None:
    en = _flat(yaml.safe_load((I18N / "en" / "report.yaml").read_text(encoding="utf-8")))
    sources = [TEMPLATES / "report.html.j2", *(ROOT / "netguard" / "report").glob("*.py")]
    used = set()
    for path in sources:
        used |= set(re.findall(r"""["'](report(?:\.[a-z_]+)+)["'(]""", path.read_text("utf-8")))
    assert len(used) > 40
    # keys built from parts
    used |= {f"report.col.{c}" for c in COLUMNS}
    used |= {f"report.section.{k}" for k in ("zone", "segment", "department", "category")}
    used |= {f"report.col.{k}" for k in ("zone", "segment", "department", "category")}
    used |= {f"report.detail.{k}" for k in ("all", "attention", "capped")}
    used |= {f"report.verdict_text.{v}" for v in VERDICTS}
    used |= {f"report.category_explain.{c}" for c in CATEGORY_ORDER}
    used -= {"report.css", "report.js"}  # file names in inline_asset(...)
    missing = sorted(k for k in used if k not in en)
    assert not missing


def test_no_reader_words_in_template() -> None:
    """Text between tags is an expression or punctuation, never a literal word."""
    source = (TEMPLATES / "report.html.j2").read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", source, flags=re.S)
    source = re.sub(r"<(script|style)>.*?</\1>", "", source, flags=re.S)
    texts = [t.strip() for t in re.findall(r">([^<]+)<", source)]
    assert [t for t in texts if re.search(r"[A-Za-z\u4e00-\u9fff]", t)] == []


@pytest.mark.parametrize("fmt", ["html", "md", "csv"])
def test_zh_report_uses_the_glossarys_words(lab: Results, fmt: str) -> None:
    """docs/glossary.md holds for the whole page, not only for the catalogs: no 主机 (but
    主机密钥), no 存在违规/违规事项/豁免, no CST/UTC — the zone is said once, as 北京时间."""
    from zoneinfo import ZoneInfo

    from tests.unit.test_glossary import avoided_words

    out = render_report(lab, fmt, "zh", tz=ZoneInfo("Asia/Shanghai"))
    assert avoided_words(out) == []
    if fmt != "csv":
        assert "北京时间" in out
