"""The terminal speaks the user's language (issue 13): ``LANG=zh_CN.UTF-8`` or ``--lang zh``
(before or after the verb) gives the check list, the audit's table and the command line's
errors in Chinese — with no English words but names, identifiers and raw text."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import closed_port, run_cli
from tests.zh_text import assert_chinese, english_words

ZH = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
EN = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
#: names the check titles and parameters use: account names, hash methods
CHECK_NAMES = ("root",)


def _inventory(tmp_path: Path) -> Path:
    (tmp_path / "known_hosts").write_text("")
    path = tmp_path / "office.yaml"
    path.write_text(
        f"""\
segments:
  - name: lab
    zone: intranet
    cidr: 127.0.0.0/8
defaults:
  ssh:
    known_hosts: {tmp_path / "known_hosts"}
    connect_timeout: 2
hosts:
  - name: down-pc
    address: 127.0.0.1
    segment: lab
    ssh:
      port: {closed_port()}
  - name: win-pc
    address: 127.0.0.2
    segment: lab
    os: windows
    transport: local
""",
        encoding="utf-8",
    )
    return path


def test_checks_in_chinese_from_the_locale() -> None:
    proc = run_cli("checks", env=ZH)
    assert proc.returncode == 0, proc.stderr
    assert "isolation.wireless" in proc.stdout and "物理隔离" in proc.stdout
    assert "max_age_days=7" in proc.stdout
    assert_chinese(proc.stdout, CHECK_NAMES)
    en = run_cli("checks", env=EN)
    assert en.returncode == 0 and "isolation.wireless" in en.stdout
    assert "物理隔离" not in en.stdout
    # the option wins over the locale, before or after the verb
    assert run_cli("--lang", "en", "checks", env=ZH).stdout == en.stdout
    assert run_cli("checks", "--lang", "zh", env=EN).stdout == proc.stdout


def test_an_audit_of_unreachable_hosts_in_chinese(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    proc = run_cli("--lang", "zh", "audit", str(inv), "--no-history", "-q", env=EN)
    assert proc.returncode == 3, proc.stderr  # nothing audited: unknown
    out = proc.stdout
    assert "TCP 连接端口" in out and "被拒绝" in out, out
    assert "Windows 计算机只能通过 SSH 检查" in out
    assert "已检查 0/2 台计算机" in out
    assert_chinese(out, ("down-pc", "win-pc", "lab"))
    # the same run in English says the same in English
    en = run_cli("audit", str(inv), "--no-history", "-q", "--lang", "en", env=ZH)
    assert "Connection refused" in en.stdout and "audited over SSH only" in en.stdout
    assert english_words(en.stdout)


def test_errors_in_chinese(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    # raised by the command line: said in Chinese, the location (here the option) kept
    proc = run_cli("audit", str(inv), "--replay", str(tmp_path), "--lang", "zh", env=EN)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err == "netguard：错误：INVENTORY：--replay 从证据包读取资产清单，且不再写出证据包"
    assert_chinese(err)
    # raised deeper (the inventory loader): its file and field kept, its English marked so
    proc = run_cli("inventory", "check", str(tmp_path / "nope.yaml"), env=ZH)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"netguard：错误：{tmp_path / 'nope.yaml'}：（英文原文）")
    # and the verbs' result lines
    ok = run_cli("inventory", "check", str(inv), env=ZH)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"{inv}：通过 — 1 个网段，2 台计算机"


def test_a_missing_known_hosts_file_is_said_in_chinese(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    (tmp_path / "known_hosts").unlink()
    proc = run_cli("audit", str(inv), "--no-history", env=ZH)
    assert proc.returncode == 2
    assert f"主机密钥登记文件 {tmp_path / 'known_hosts'} 不存在" in proc.stderr, proc.stderr
    assert "hosts[0].ssh.known_hosts (down-pc)：" in proc.stderr  # the location, as ever
    assert_chinese(proc.stderr, ("down-pc",))
