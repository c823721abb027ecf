"""`netguard schedule`: what an administrator types, what lands in /etc, what is refused."""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import closed_port, run_cli

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventory" / "example.yaml"


def test_print_shows_units_that_systemd_accepts(tmp_path: Path) -> None:
    proc = run_cli(
        "schedule", str(INVENTORY), "--at", "08:45", "--at", "13:00,16:30", "--days", "daily",
        "--report-dir", str(tmp_path / "reports"), "--history", str(tmp_path / "h.sqlite"),
        "--lang", "zh", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    calendars = [x for x in proc.stdout.splitlines() if x.startswith("OnCalendar=")]
    assert calendars == [f"OnCalendar=*-*-* {t}:00" for t in ("08:45", "13:00", "16:30")]
    assert "ExecStart=" in proc.stdout and "--history" in proc.stdout
    assert list(tmp_path.iterdir()) == []  # printing writes nothing


def test_install_writes_units_and_refuses_to_clobber(tmp_path: Path) -> None:
    units = tmp_path / "units"
    args = (
        "schedule", str(INVENTORY), "--install", "--unit-dir", str(units),
        "--report-dir", str(tmp_path / "reports"), "--history", str(tmp_path / "h" / "h.sqlite"),
    )  # fmt: skip
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in units.iterdir()) == [
        "netguard-audit.service", "netguard-audit.timer",
    ]  # fmt: skip
    assert "systemctl enable --now netguard-audit.timer" in proc.stdout
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", *map(str, units.iterdir())],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert verify.returncode == 0, verify.stderr
    service = units / "netguard-audit.service"
    service.write_text(service.read_text() + "# local change\n")
    again = run_cli(*args, "--at", "03:00", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    assert service.read_text().endswith("# local change\n")


@pytest.mark.parametrize("kind", ["systemd", "cron"])
def test_a_schedule_that_cannot_run_is_never_installed(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "inv.yaml"
    bad.write_text("hosts: [\n", encoding="utf-8")
    proc = run_cli(
        "schedule", str(bad), "--kind", kind, "--install",
        "--unit-dir", str(tmp_path / "u"), "--cron-dir", str(tmp_path / "c"), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2 and "inv.yaml" in proc.stderr
    assert not (tmp_path / "u").exists() and not (tmp_path / "c").exists()


def test_cron_line_is_quiet_unless_something_is_wrong(tmp_path: Path) -> None:
    proc = run_cli(
        "schedule", str(INVENTORY), "--kind", "cron", "--at", "01:15",
        "--report-dir", str(tmp_path / "r"), "--history", str(tmp_path / "h.sqlite"), cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("15 1 * * 1-5"))
    assert line.split()[5] == getpass.getuser()  # /etc/cron.d lines name the user
    assert "-m netguard audit" in line and " -q " in line
    # Output is kept and shown only when the audit's status is not 0: cron mails only then.
    assert "out=$(" in line and "|| {" in line and 'exit "$s"' in line


def test_a_register_is_scheduled_as_it_is_and_read_again_at_every_run(tmp_path: Path) -> None:
    """`schedule 台账.csv --map m.yaml`: the scheduled audit names both absolutely and imports the
    register afresh at every run, so a machine added to it is audited from the next run on."""
    from netguard.schedule import audit_argv, build_schedule_command

    (tmp_path / "known_hosts").write_text("")
    office = tmp_path / "办公室"
    office.mkdir()
    (office / "m.yaml").write_text(
        "segments:\n  - {name: lan, zone: intranet, cidr: 127.0.0.0/8}\n"
        f"defaults: {{ssh: {{known_hosts: {tmp_path / 'known_hosts'}, connect_timeout: 2, "
        f"port: {closed_port()}}}}}\n",
        encoding="utf-8",
    )
    register = office / "台账.csv"
    register.write_text("计算机名,IP地址,所属部门\nCW-PC01,127.0.0.2,财务科\n", encoding="utf-8")
    proc = run_cli(
        "schedule", "台账.csv", "--map", "m.yaml", "--report-dir", str(tmp_path / "r"),
        "--history", str(tmp_path / "h.sqlite"), cwd=office,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (exec_start,) = [x for x in proc.stdout.splitlines() if x.startswith("ExecStart=")]
    # systemd quotes the non-ASCII words: "csv:/…/台账.csv" --map "/…/m.yaml"
    assert f'audit "csv:{register}" --map "{office / "m.yaml"}" ' in exec_start

    spec = build_schedule_command(
        "台账.csv", inventory_kind="csv", mapping="m.yaml", cwd=office,
        report_dir=tmp_path / "r", report_format=None, history=tmp_path / "h.sqlite",
    )  # fmt: skip
    argv = audit_argv(spec)

    def scheduled_run() -> list[str]:
        done = subprocess.run(
            argv, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )  # fmt: skip
        assert done.returncode == 3, done.stderr  # nothing reachable: unknown
        doc = json.loads(spec.results_path.read_text(encoding="utf-8"))
        assert doc["run"]["inventory"]["path"] == str(register)  # one office in the history
        return [h["name"] for h in doc["hosts"]]

    assert scheduled_run() == ["CW-PC01"]
    with register.open("a", encoding="utf-8") as f:
        f.write("DA-PC01,127.0.0.3,档案室\n")
    assert scheduled_run() == ["CW-PC01", "DA-PC01"]
