"""`netguard report` and `netguard checklist`: files written, languages, and bad input that
names the file and field, exits 2 and leaves earlier documents as they were."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.runner import run_cli

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "tests" / "fixtures" / "lab-results.json"


def written(proc: subprocess.CompletedProcess[str], kind: str) -> list[Path]:
    return [
        Path(line.split(": ", 1)[1])
        for line in proc.stderr.splitlines()
        if line.startswith(f"{kind}: ")
    ]


def test_report_goes_under_reports_in_the_locale_language(tmp_path: Path) -> None:
    proc = run_cli(
        "report",
        str(LAB),
        "--format",
        "md",
        cwd=tmp_path,
        env={"LANG": "zh_CN.UTF-8", "LC_ALL": ""},
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = written(proc, "report")
    assert path.parent == Path("reports") and path.name.endswith("-zh.md")
    text = (tmp_path / path).read_text(encoding="utf-8")
    assert text.startswith("# 网络安全合规检查报告") and "dual-pc" in text


def test_report_language_and_output_file_are_honoured(tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    proc = run_cli(
        "report", str(LAB), "--format", "csv", "--lang", "en", "-o", str(out), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read Chinese
    assert "财务科" in data.decode("utf-8-sig")  # department names stay as registered


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("{not json", "broken.json:1: not JSON"),
        ('{"schema": "other/1"}', "broken.json: schema: not a netguard results document"),
        (
            json.dumps({**json.loads(LAB.read_text(encoding="utf-8")), "hosts": [{"name": "x"}]}),
            "broken.json: hosts[0].zone: must be text",
        ),
    ],
)
def test_bad_results_file_is_located_and_nothing_is_overwritten(
    tmp_path: Path, body: str, where: str
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(body, encoding="utf-8")
    out = tmp_path / "report.html"
    out.write_text("last month's report\n", encoding="utf-8")
    for args in (
        ("report", str(bad), "-o", str(out)),
        ("checklist", str(bad), "-o", str(tmp_path)),
    ):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert where in proc.stderr.replace(str(tmp_path) + "/", "")
    assert out.read_text(encoding="utf-8") == "last month's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "report.html"]


def test_pdf_without_a_browser_is_exit_4_and_says_what_to_install(tmp_path: Path) -> None:
    proc = run_cli(
        "report",
        str(LAB),
        "--format",
        "pdf",
        "-o",
        str(tmp_path / "r.pdf"),
        cwd=tmp_path,
        env={"NETGUARD_CHROMIUM": "/nonexistent/chromium"},
    )
    assert proc.returncode == 4
    assert "NETGUARD_CHROMIUM" in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_checklists_one_file_per_incident_with_deadlines_in_the_zone_asked(tmp_path: Path) -> None:
    proc = run_cli(
        "checklist",
        str(LAB),
        "--lang",
        "en",
        "--tz",
        "America/New_York",
        "-o",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    paths = written(proc, "checklist")
    assert {p.name.split("-", 3)[3] for p in paths} == {
        "isolation-breach.md",
        "antivirus-failure.md",
        "password-breach.md",
        "unknown-machine.md",
        "unregistered-device.md",
    }
    text = next(p for p in paths if p.name.endswith("isolation-breach.md")).read_text(
        encoding="utf-8"
    )
    assert "time zone America/New\\_York, UTC−05:00" in text and "(UTC−05:00) |" in text
    assert "dual-pc" in text


def test_unknown_time_zone_is_bad_input(tmp_path: Path) -> None:
    proc = run_cli("checklist", str(LAB), "--tz", "Mars/Olympus", "-o", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "--tz" in proc.stderr and "Mars/Olympus" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_compliant_fleet_triggers_no_checklist(tmp_path: Path) -> None:
    doc = json.loads(LAB.read_text(encoding="utf-8"))
    doc["hosts"] = [h for h in doc["hosts"] if h["name"] == "ok-pc"]
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(doc), encoding="utf-8")
    proc = run_cli("checklist", str(ok), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0
    assert "no incident triggered" in proc.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_documents_get_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    # Reports are passed on: not the 0600 of the temporary file they are written through.
    out = tmp_path / "r.md"
    script = 'umask 027 && exec "$0" -m netguard report "$1" --format md -o "$2"'
    proc = subprocess.run(
        ["sh", "-c", script, sys.executable, str(LAB), str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_mode & 0o777 == 0o640


INVENTORY = ROOT / "inventory" / "example.yaml"


def test_an_incident_reported_by_phone_needs_no_audit(tmp_path: Path) -> None:
    proc = run_cli(
        "checklist", "--incident", "ransomware", "--host", "fin-pc-07", "--host", "it-srv-01",
        "--inventory", str(INVENTORY), "--detected-at", "2026-11-24 02:10", "--lang", "zh",
        "-o", str(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (path,) = written(proc, "checklist")
    assert path.name == "checklist-20261124-0210-ransomware.md"
    text = path.read_text(encoding="utf-8")
    assert "电话报告，未经检查" in text and "**接报时间**：2026年11月24日 02:10（北京时间）" in text
    assert "fin-pc-07" in text and "it-srv-01" in text and "张伟" in text
    assert "发现的问题和检查证据" not in text and "检查结果文件" not in text
    assert "2026年11月24日 02:25" in text  # 启动预案: 15 minutes after the call


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--incident", "ransomware", "--host", "nobody"], "no machine named 'nobody'"),
        (["--incident", "ransomwear", "--host", "fin-pc-07"], "did you mean ransomware?"),
        (["--incident", "ransomware"], "--incident needs at least one --host"),
        (["--incident", "ransomware", "--host", "fin-pc-07", "--detected-at", "tonight"],
         "--detected-at: invalid time 'tonight'"),
    ],
)  # fmt: skip
def test_bad_incident_input_exits_2(tmp_path: Path, args: list[str], phrase: str) -> None:
    proc = run_cli(
        "checklist", *args, "--inventory", str(INVENTORY), "-o", str(tmp_path), cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    assert phrase in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_incident_without_inventory_or_with_results_exits_2(tmp_path: Path) -> None:
    no_inv = run_cli("checklist", "--incident", "ransomware", "--host", "x", cwd=tmp_path)
    assert no_inv.returncode == 2 and "--inventory FILE" in no_inv.stderr
    both = run_cli(
        "checklist", str(LAB), "--incident", "ransomware", "--host", "x",
        "--inventory", str(INVENTORY), cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 2 and "give no results file" in both.stderr
    neither = run_cli("checklist", cwd=tmp_path)
    assert neither.returncode == 2 and "give a results file" in neither.stderr


def test_detected_at_starts_the_clock_and_both_times_are_shown(tmp_path: Path) -> None:
    proc = run_cli(
        "checklist", str(LAB), "--lang", "zh", "--detected-at", "2026-11-24T07:30+08:00",
        "-o", str(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (path,) = [p for p in written(proc, "checklist") if p.name.endswith("isolation-breach.md")]
    text = path.read_text(encoding="utf-8")
    assert "**检查发现时间**：2026年11月24日 00:09（北京时间）" in text
    assert "**值班员接报时间**：2026年11月24日 07:30" in text
    assert "时限自值班员接报时间起算" in text and "2026年11月24日 07:45" in text
    early = run_cli(
        "checklist", str(LAB), "--detected-at", "2026-11-23 20:00", "-o", str(tmp_path),
        cwd=tmp_path,
    )  # fmt: skip
    assert early.returncode == 2 and "before the audit found" in early.stderr


def test_report_takes_the_contacts_files_zone_and_says_it_once(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(
        "organisation: {zh: 某县, en: A county}\ntimezone: America/New_York\n"
        "roles:\n  duty_officer: {name: {zh: 值班员, en: Duty officer}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.md"
    args = ("report", str(LAB), "--format", "md", "--lang", "zh", "-o", str(out))
    proc = run_cli(*args, "--contacts", str(contacts), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "时区 America/New\\_York（UTC−05:00）" in text  # the lab ran 2026-11-23 16:09 UTC
    assert "2026年11月23日 11:09" in text and "CST" not in text and "EST" not in text
    proc = run_cli(*args, "--contacts", str(contacts), "--tz", "Asia/Shanghai", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "文中时间：北京时间" in out.read_text(encoding="utf-8")


def test_report_and_checklist_of_a_run_use_one_zone(tmp_path: Path) -> None:
    """A contacts file without a timezone: both documents fall back to this machine's zone
    ($TZ here), never one to it and the other to Asia/Shanghai."""
    contacts = tmp_path / "contacts.yaml"
    example = ROOT / "netguard" / "policies" / "contacts" / "example.yaml"
    text = example.read_text(encoding="utf-8").replace("timezone: Asia/Shanghai\n", "")
    assert "timezone" not in text.split("roles:")[0]
    contacts.write_text(text, encoding="utf-8")
    env = {"TZ": "America/New_York"}
    common = ("--lang", "zh", "--contacts", str(contacts))
    report = run_cli(
        "report", str(LAB), "--format", "md", "-o", str(tmp_path / "r.md"), *common,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    checklist = run_cli(
        "checklist", str(LAB), "-o", str(tmp_path / "c"), *common, cwd=tmp_path, env=env
    )
    assert checklist.returncode == 0, checklist.stderr
    documents = [tmp_path / "r.md", *sorted((tmp_path / "c").iterdir())]
    assert len(documents) >= 2
    for path in documents:
        body = path.read_text(encoding="utf-8")
        assert "America/New\\_York" in body or "America/New_York" in body, path.name
        assert "北京时间" not in body, path.name
