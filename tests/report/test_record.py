"""The inspection record (检查记录表): built from real results, in both languages, hostile host
text escaped, UNSIGNED impossible to miss, PDF with Chinese text, nothing half-written.

Catalog completeness (same files, keys and placeholders in zh and en, record.yaml included) is
tests/unit/test_i18n.py's: it reads every file under netguard/i18n/<lang>/.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from netguard.errors import InputError, RenderError
from netguard.i18n import catalog
from netguard.results import Results, load_results, parse_results
from netguard.spotcheck.record import (
    InspectionRecord,
    SamplingMethod,
    Signer,
    StratumRow,
    build_record,
    record_view,
    rederive_command,
    render_record_html,
    write_record,
)
from tests.report.conftest import (
    ATTR,
    IMG,
    LAB,
    SCRIPT,
    document,
    finding,
    host,
    hostile_hosts,
    lab_doc,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = "7f3a9c2e-county-finance"
ALGORITHM = "netguard.sample/1 (HMAC-SHA256 ranks, largest remainder)"
FINGERPRINT = "SHA256:Qm9ndXNGaW5nZXJwcmludEZvclRlc3RpbmdPbmx5MTIz"
RESULTS_SHA = hashlib.sha256(b"results.json").hexdigest()
INVENTORY_SHA = hashlib.sha256(b"inventory.yaml").hexdigest()
TEMPLATE_INJECTION = "{{ 7*7 }}{% raw %}"
CONTROL = "evil\x1b[2J\x07\x9bowner"


def digest(name: str) -> str:
    return hashlib.sha256(f"raw output of {name}".encode()).hexdigest()


def method(**changes: Any) -> SamplingMethod:
    values: dict[str, Any] = {
        "population": 14,
        "requested": "25%",
        "by": "department",
        "seed": SEED,
        "algorithm": ALGORITHM,
        "min_per_stratum": 1,
        "strata": (
            StratumRow("办公室", 5, 1),
            StratumRow("财务科", 3, 1),
            StratumRow("信息中心", 3, 1),
            StratumRow("", 3, 1),
        ),
        "grown": True,
    }
    values.update(changes)
    return SamplingMethod(**values)


def record(results: Results, **changes: Any) -> InspectionRecord:
    args: dict[str, Any] = {
        "kind": "spot-check",
        "inspector": "王建国",
        "organization": "县委保密办",
        "inspected_unit": "县财政局",
        "method": method(),
        "host_digests": {h.name: digest(h.name) for h in results.hosts},
        "file_digests": [("results.json", RESULTS_SHA), ("inventory.yaml", INVENTORY_SHA)],
        "signer": Signer("王建国", FINGERPRINT),
        "bundle_name": "spot-check-20261124-c6abb388.tar",
    }
    args.update(changes)
    return build_record(results, **args)


def body(html: str) -> str:
    """The page without its inlined stylesheet (whose comments and class names are ours)."""
    return html.split("<body>", 1)[1]


@pytest.fixture
def lab_results() -> Results:
    return load_results(LAB)


# --- content -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["检查记录表", "被检查单位", "随机抽查", "政务内网", "互联网", "现场情况说明",
                "检查人员", "被检查单位负责人", "陪同人员", "以下账户超过 90 天未更换口令"]),
        ("en", ["Inspection record", "Inspected unit", "Random spot check", "Government intranet",
                "Internet", "Remarks on site", "Inspector", "Head of the inspected unit",
                "Accompanying staff", "password not changed within 90 days"]),
    ],
)  # fmt: skip
def test_both_languages_show_the_record(lab_results: Results, lang: str, words: list[str]) -> None:
    rec = record(lab_results)
    html = render_record_html(rec, lang, SHANGHAI)
    assert html.startswith("<!doctype html>")
    for word in words:
        assert word in html, word
    for value in (SEED, "netguard.sample/1", FINGERPRINT, RESULTS_SHA, INVENTORY_SHA, "县财政局",
                  "王建国", "县委保密办", lab_results.run_id, "spot-check-20261124-c6abb388.tar",
                  lab_results.policy["sha256"], lab_results.inventory["sha256"]):  # fmt: skip
        assert value in html, value
    for h in lab_results.hosts:
        assert h.name in html
        assert html.count(digest(h.name)[:16]) == 2  # the table's prefix, the evidence's full
        assert digest(h.name) in html
    # times in the zone asked for (the lab run started 16:09 UTC), the zone said once
    assert "00:09" in html and "CST" not in html
    assert ("北京时间" if 'lang="zh' in html else "Beijing time") in html
    # no script, nothing fetched: the page opens on an intranet with no network
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:|//)""", html)


def test_sampling_method_and_how_to_rederive(lab_results: Results) -> None:
    rec = record(lab_results)
    html = render_record_html(rec, "zh", SHANGHAI)
    assert 'class="strata"' in html
    for name in ("办公室", "财务科", "信息中心", "（未登记）"):
        assert name in html
    assert "各层最低抽取数之和超过了要求的样本量，因此实际抽取 4 台" in html  # grown
    assert "同一随机种子加上同一资产清单" in html
    command = (
        f"netguard spot-check {lab_results.inventory['path']} --sample 25% --by department "
        f"--min-per-stratum 1 --seed {SEED} --plan"
    )
    assert command in html
    assert "netguard verify spot-check-20261124-c6abb388.tar --trusted-key KEY.pub" in html
    assert "sha256sum" in html


def test_strata_by_zone_read_as_zone_names(lab_results: Results) -> None:
    m = method(by="zone", strata=(StratumRow("intranet", 13, 2), StratumRow("internet", 1, 1)))
    view = record_view(record(lab_results, method=m), "en", SHANGHAI)
    assert [s["name"] for s in view["method"]["strata"]] == ["Government intranet", "Internet"]


def test_unstratified_sample_has_no_strata_table(lab_results: Results) -> None:
    # without --by the sampler's one stratum is the whole inventory, named "all"
    m = method(by=None, requested="3", grown=False, strata=(StratumRow("all", 14, 3),))
    html = body(render_record_html(record(lab_results, method=m), "zh", SHANGHAI))
    assert 'class="strata"' not in html and ">all<" not in html
    assert "不分层（在全部计算机中简单随机抽样）" in html
    assert '实际抽取</th><td class="">3 台' in html
    assert "--by" not in rederive_command(m, "inv.yaml")
    assert "--min-per-stratum" not in rederive_command(m, "inv.yaml")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["总体（--limit 选定的计算机）", "抽样范围", "与 fin-*、*财务* 匹配的计算机",
                "资产清单中共 14 台"]),
        ("en", ["Population (computers the limit chose)", "Drawn from",
                "the computers matching fin-*, *财务* (spot-check --limit)", "of 14 in the"]),
    ],
)  # fmt: skip
def test_a_limited_sample_says_what_it_was_drawn_from(
    lab_results: Results, lang: str, words: list[str]
) -> None:
    """spot-check --limit: the record names the population (the hosts the limit chose, and how
    many the inventory has), and the command that draws it again carries the limit."""
    m = method(population=5, limit=("fin-*", "*财务*"), inventory_hosts=14)
    html = body(render_record_html(record(lab_results, method=m), lang, SHANGHAI))
    for word in words:
        assert word in html, word
    argv = shlex.split(rederive_command(m, "inv.yaml"))
    assert argv[5:9] == ["--limit", "fin-*", "--limit", "*财务*"]
    whole = body(render_record_html(record(lab_results), lang, SHANGHAI))
    assert words[0] not in whole and "--limit" not in whole


def test_rederive_command_survives_any_seed_and_path() -> None:
    odd = method(seed="it's a `seed` $(rm -rf /)")
    argv = shlex.split(rederive_command(odd, "/srv/清单 2026/inventory.yaml"))
    assert argv[:3] == ["netguard", "spot-check", "/srv/清单 2026/inventory.yaml"]
    assert argv[argv.index("--seed") + 1] == "it's a `seed` $(rm -rf /)"
    assert argv[-1] == "--plan"


def test_summary_counts_unknown_hosts_against_coverage(lab_results: Results) -> None:
    view = record_view(record(lab_results), "en", SHANGHAI)
    cells = {label: value for label, value, _ in view["summary"]["cells"]}
    assert cells == {
        "Checked": "14",
        "Compliant": "2",
        "With violations": "9",
        "Unknown": "3",
        "Coverage": "71.4%",
    }
    assert view["summary"]["verdict_id"] == "failing"
    assert "never as compliant" in view["summary"]["sentence"]
    verdicts = {h["name"]: h["verdict_id"] for h in view["hosts"]}
    assert verdicts["ok-pc"] == "compliant"
    assert verdicts["down-pc"] == "unknown"  # not audited: never compliant
    assert verdicts["no-av"] == "failing"


def test_host_rows_name_the_failing_checks_in_the_language(lab_results: Results) -> None:
    zh = {h["name"]: h for h in record_view(record(lab_results), "zh", SHANGHAI)["hosts"]}
    problems = [p["text"] for p in zh["no-av"]["problems"]]
    assert len(problems) == 3 and all(p.endswith("（高）") for p in problems)
    assert zh["down-pc"]["problems"][0]["text"] == "未能检查：无法连接"
    assert zh["inet-pc"]["zone"] == "互联网" and zh["inet-pc"]["problems"] == []
    assert zh["ok-pc"]["digest"] == digest("ok-pc")[:16]


def test_hosts_without_raw_output_say_so(lab_results: Results) -> None:
    rec = record(lab_results, host_digests={"ok-pc": digest("ok-pc"), "extra": digest("extra")})
    view = record_view(rec, "en", SHANGHAI)
    rows = {h["name"]: h["digest"] for h in view["hosts"]}
    assert rows["ok-pc"] == digest("ok-pc")[:16] and rows["down-pc"] == "not collected"
    # every digest handed in is listed in full, the results' hosts first
    assert [d["name"] for d in view["evidence"]["hosts"]] == ["ok-pc", "extra"]


# --- signature -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("zh", "未签名"), ("en", "UNSIGNED")])
def test_unsigned_bundle_is_shown_prominently(lab_results: Results, lang: str, word: str) -> None:
    unsigned = body(render_record_html(record(lab_results, signer=None), lang, SHANGHAI))
    assert 'class="unsigned-badge"' in unsigned and 'class="unsigned-box' in unsigned
    assert unsigned.count(word) >= 3  # badge under the title, in the evidence, in the box
    assert FINGERPRINT not in unsigned
    signed = body(render_record_html(record(lab_results), lang, SHANGHAI))
    assert word not in signed and "unsigned-" not in signed
    assert FINGERPRINT in signed


def test_signer_public_key_is_printed_when_given(lab_results: Results) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheRecordOnly inspector@county"
    rec = record(lab_results, signer=Signer("王建国", FINGERPRINT, key))
    assert key in render_record_html(rec, "en", SHANGHAI)


# --- inspect: one machine, no sample ---------------------------------------------------------


def test_inspect_record_has_no_sampling_table() -> None:
    doc = lab_doc()
    doc["hosts"] = doc["hosts"][7:8]  # pw-expired, checked in place
    results = parse_results(doc, str(LAB))
    rec = record(results, kind="inspect", method=None)
    for lang, sentence in (("zh", "在本机上直接检查，不经过网络"), ("en", "without the network")):
        html = render_record_html(rec, lang, SHANGHAI)
        assert sentence in html
        assert 'class="strata"' not in html
        assert SEED not in html and "netguard spot-check" not in html
        assert "pw-expired" in html


def test_kind_and_method_must_agree(lab_results: Results) -> None:
    with pytest.raises(ValueError, match="needs"):
        record(lab_results, method=None)
    with pytest.raises(ValueError, match="takes no"):
        record(lab_results, kind="inspect")
    with pytest.raises(ValueError, match="kind"):
        record(lab_results, kind="audit")
    with pytest.raises(ValueError, match="stratification"):
        record(lab_results, method=method(by="floor"))


# --- hostile text ----------------------------------------------------------------------------


def hostile_results() -> Results:
    hosts = hostile_hosts()
    hosts.append(
        host(
            TEMPLATE_INJECTION,
            "10.20.0.69",
            owner=CONTROL,
            location=f"{SCRIPT}\nRoom 1",
            department="{department}",
            findings=[finding("password.age", "fail", message=f"{TEMPLATE_INJECTION} {CONTROL}")],
        )
    )
    return parse_results(document(hosts), "<hostile>")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_text_is_escaped_never_markup(lang: str) -> None:
    results = hostile_results()
    rec = record(
        results,
        inspector=SCRIPT,
        inspected_unit=ATTR,
        method=method(seed=SCRIPT, strata=(StratumRow(IMG, 2, 1),)),
        host_digests={SCRIPT: digest("a"), IMG: f"{SCRIPT}deadbeef"},
        file_digests=[(f"hosts/{SCRIPT}.txt", digest("b"))],
        signer=Signer(IMG, f"SHA256:{ATTR}", public_key=SCRIPT),
        bundle_name=f"{IMG}.tar",
    )
    html = render_record_html(rec, lang, SHANGHAI)
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
    assert '"onmouseover' not in html  # the quote is escaped: no attribute can be opened
    assert html.count("<style>") == 1 and html.count("</style>") == 1
    # host text is data for the template, never template source
    assert "{{ 7*7 }}{% raw %}" in html and "49" not in html
    assert "{department}" in html
    # control characters never reach the page (the terminal-escape ESC, BEL, C1 CSI)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", html)
    assert "evil�[2J��owner" in html


# --- files -------------------------------------------------------------------------------------


def test_write_html(lab_results: Results, tmp_path: Path) -> None:
    target = tmp_path / "records" / "record-zh.html"
    assert write_record(record(lab_results), "html", "zh", target, SHANGHAI) == target
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in target.parent.iterdir()] == ["record-zh.html"]  # no temp file left


def test_bad_format_or_language_writes_nothing(lab_results: Results, tmp_path: Path) -> None:
    rec = record(lab_results)
    with pytest.raises(InputError, match="format"):
        write_record(rec, "docx", "zh", tmp_path / "r.docx")
    with pytest.raises(InputError, match="language"):
        write_record(rec, "html", "fr", tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []


def test_pdf_without_chromium_leaves_no_file(
    lab_results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETGUARD_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(RenderError):
        write_record(record(lab_results), "pdf", "zh", tmp_path / "record.pdf", SHANGHAI)
    assert list(tmp_path.iterdir()) == []
    # an earlier record at the same path is left as it was
    earlier = tmp_path / "record.pdf"
    earlier.write_bytes(b"%PDF earlier")
    with pytest.raises(RenderError):
        write_record(record(lab_results), "pdf", "zh", earlier, SHANGHAI)
    assert earlier.read_bytes() == b"%PDF earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["record.pdf"]


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return out.stdout.decode("utf-8")


@pytest.mark.browser("pdftotext")
def test_pdf_zh(lab_results: Results, tmp_path: Path) -> None:
    path = write_record(
        record(lab_results, signer=None), "pdf", "zh", tmp_path / "record.pdf", SHANGHAI
    )
    assert path.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["record.pdf"]
    text = pdf_text(path)
    for term in ("检查记录表", "被检查单位", "县财政局", "未签名", "抽样方法", "现场情况说明",
                 "被检查单位负责人", "陪同人员", "财务科", "route-pc", SEED):  # fmt: skip
        assert term in text, term
    assert re.search(r"第 1 页，共 \d+ 页", text)
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False)
    if pages.returncode == 0:
        assert "(A4)" in pages.stdout


@pytest.mark.browser("pdftotext")
def test_pdf_en_inspect(tmp_path: Path) -> None:
    doc = lab_doc()
    doc["hosts"] = doc["hosts"][1:2]  # dual-pc
    rec = record(parse_results(doc, str(LAB)), kind="inspect", method=None)
    text = pdf_text(write_record(rec, "pdf", "en", tmp_path / "record.pdf", SHANGHAI))
    for term in ("Inspection record", "dual-pc", "without the network", FINGERPRINT, "Page 1 of"):
        assert term in text, term
    assert catalog("en")("record.method.heading") not in text  # no sampling section


def test_zh_record_describes_the_algorithm_and_labels_raw_output(lab_results: Results) -> None:
    html = render_record_html(record(lab_results), "zh", SHANGHAI)
    assert "以 HMAC-SHA256 值排序抽取" in html and "largest remainder" not in html
    assert "原始输出“no SSH handshake within 3 s”" in html
    assert "检查依据" in html and "GB/T 22239-2019" in html
    assert "北京时间" in html


def test_zh_record_uses_the_glossarys_words(lab_results: Results) -> None:
    from tests.unit.test_glossary import avoided_words

    assert avoided_words(render_record_html(record(lab_results), "zh", SHANGHAI)) == []
