"""``netguard inventory import`` and imported sources where an inventory is taken: the exit
codes (0 all imported, 3 written with problems, 2 nothing usable) and the report on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguard.cli import main
from netguard.inventory import load_inventory

MAPPING = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}
  - {name: inet, zone: internet, cidr: 192.168.50.0/24}
groups:
  web: {segment: inet}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return write(tmp_path, "map.yaml", MAPPING)


def test_everything_imported_is_exit_0(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(
        tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\n[web]\nw ansible_host=192.168.50.5\n"
    )
    out = tmp_path / "inventory.yaml"
    code = main(
        ["--lang", "en", "inventory", "import", str(src), "--map", str(mapping), "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert (
        f"inventory: {out}" in err
        and "2 hosts and 0 devices not audited (of 2 hosts or rows) imported into 2 segments" in err
    )
    assert [h.name for h in load_inventory(out).hosts] == ["pc1", "w"]


def test_some_not_imported_is_exit_3_with_each_line(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\npc2 ansible_host=172.16.0.1\n")
    out = tmp_path / "inventory.yaml"
    code = main(
        ["--lang", "en", "inventory", "import", str(src), "--map", str(mapping), "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert f"not imported: {src}:2: ansible_host: 172.16.0.1 is in no segment" in err
    assert "1 hosts or rows not imported, 0 imported without something" in err
    assert [h.name for h in load_inventory(out).hosts] == ["pc1"]


def test_nothing_usable_is_exit_2_and_writes_nothing(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path, "hosts.ini", "pc2 ansible_host=172.16.0.1\n")
    out = tmp_path / "inventory.yaml"
    code = main(
        ["--lang", "en", "inventory", "import", str(src), "--map", str(mapping), "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "nothing could be imported (1 hosts or rows" in err
    assert not out.exists()


def test_without_mapping_the_missing_segments_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\n")
    assert main(["--lang", "en", "inventory", "import", str(src)]) == 2
    assert "--map" in capsys.readouterr().err


def test_yaml_to_stdout(tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path, "hosts.yml", "all:\n  hosts:\n    pc1: {ansible_host: 10.20.0.5}\n")
    assert main(["inventory", "import", f"ansible:{src}", "--map", str(mapping)]) == 0
    assert "name: pc1" in capsys.readouterr().out


def test_audit_refuses_a_source_with_a_host_it_cannot_use(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An audit never leaves out, unsaid, a machine the source lists: exit 2 before any host."""
    src = write(tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\npc2 ansible_host=172.16.0.1\n")
    out = tmp_path / "r.json"
    code = main(
        ["--lang", "en", "audit", str(src), "--map", str(mapping), "--no-history", "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{src}:2: ansible_host" in err and "1 of 2 hosts or rows could not be used" in err
    assert not out.exists()


def test_inventory_check_takes_a_source(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\n")
    assert main(["--lang", "en", "inventory", "check", str(src), "--map", str(mapping)]) == 0
    assert "1 hosts" in capsys.readouterr().out


def test_map_without_inventory_is_a_usage_error(
    mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "en", "audit", "--map", str(mapping)]) == 2
    assert "--map" in capsys.readouterr().err


def test_audit_of_a_register_end_to_end(tmp_path: Path) -> None:
    """A register audited directly: this machine, listed in a GBK CSV with a title row, is
    audited through the local transport; the results record the register's words."""
    import hashlib
    import json

    from tests.cli.runner import run_cli

    mapping = write(
        tmp_path, "m.yaml", "segments:\n  - {name: loopback, zone: intranet, cidr: 127.0.0.0/8}\n"
    )
    register = tmp_path / "台账.csv"
    register.write_bytes(
        "计算机设备台账\r\n计算机名,IP地址,所属部门,责任人,存放地点,网络类型,设备类型\r\n"
        "this-pc,127.0.0.1,信息中心,王芳,机房,政务内网,台式机\r\n"
        "prn-1,127.0.0.9,信息中心,,机房,政务内网,打印机\r\n".encode("gbk")
    )
    ansible = write(
        tmp_path, "hosts.ini", "this-pc ansible_host=127.0.0.1 ansible_connection=local\n"
    )
    # a register has no transport column: import it, then make the host local as an admin would
    out = tmp_path / "inventory.yaml"
    proc = run_cli("inventory", "import", str(register), "--map", str(mapping), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "部门" not in text and "department: 信息中心" in text and "audit: false" in text
    results = tmp_path / "r.json"
    bundle = tmp_path / "bundle"
    proc = run_cli(
        "audit", str(ansible), "--map", str(mapping), "--no-history", "-q",
        "--format", "json", "-o", str(results), "--bundle", str(bundle),
    )  # fmt: skip
    assert proc.returncode in (0, 1, 3), proc.stderr
    doc = json.loads(results.read_text(encoding="utf-8"))
    (host,) = doc["hosts"]
    assert (host["name"], host["address"], host["status"]) == ("this-pc", "127.0.0.1", "audited")
    # the bundle keeps the inventory as imported, and it reads back; the replay judges it again
    kept = bundle / "inputs" / "inventory.yaml"
    assert [h.name for h in load_inventory(kept).hosts] == ["this-pc"]
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == doc["run"]["inventory"]["sha256"]
    proc = run_cli("audit", "--replay", str(bundle), "--no-history", "-q", "--format", "json")
    assert proc.returncode in (0, 1, 3), proc.stderr


def test_schedule_refuses_a_source_every_run_would_refuse(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source is scheduled as it is (tests/cli/test_schedule_cli.py) — unless a host or row
    cannot be used: each run would then refuse the whole source and audit nothing."""
    src = write(tmp_path, "hosts.ini", "pc1 ansible_host=10.20.0.5\npc2 ansible_host=172.16.0.1\n")
    code = main(["--lang", "en", "schedule", str(src), "--map", str(mapping)])
    err = capsys.readouterr().err
    assert code == 2
    assert "hosts.ini:2" in err  # the row, at its line
    assert "1 of 2 hosts or rows could not be used" in err and "at every run" in err
    assert main(["--lang", "en", "schedule", "--map", str(mapping)]) == 2  # --map alone
