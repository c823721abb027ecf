"""The single-file build (tools/build_zipapp.py): built once, then run the way an inspector runs
it, with a stock Python: ``python3 -I -S netguard.pyz …`` (no site-packages, so nothing from
PyPI, and no PYTHON* variables), in an environment holding only PATH and HOME.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import netguard

pytestmark = pytest.mark.slow  # builds the archive and runs it in fresh interpreters
ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = {"__main__.py", "BUILD-INFO", "LICENSES", "netguard", "yaml", "jinja2", "markupsafe",
             "rich", "tzdata"}  # fmt: skip
#: Never in the archive: C extensions, or packages that need them.
FORBIDDEN = {"paramiko", "cryptography", "bcrypt", "nacl", "psutil", "_cffi_backend", "_yaml",
             "pygments", "markdown_it", "mdurl"}  # fmt: skip
SSH_INVENTORY = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
hosts:
  - name: pc1
    address: 10.20.0.5
    segment: lan
    ssh: {port: 1, known_hosts: known_hosts}
"""


def _build_module() -> ModuleType:
    path = ROOT / "tools" / "build_zipapp.py"
    spec = importlib.util.spec_from_file_location("netguard_build_zipapp", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/netguard.pyz, built into its own folder (the build itself runs it once on -I -S)."""
    folder = tmp_path_factory.mktemp("zipapp")
    result = _build_module().build(folder / "netguard.pyz")
    assert result.path == folder / "netguard.pyz"
    assert result.size == result.path.stat().st_size
    return result.path


def run_pyz(
    archive: Path, *args: str, cwd: Path, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    home = home or cwd
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        # `audit` records runs; never in the machine's real history (/var/lib/netguard for root)
        "NETGUARD_HISTORY": str(home / "history.sqlite"),
    }
    return subprocess.run(
        [sys.executable, "-I", "-S", str(archive), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
        check=False,
    )


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# -- the archive ---------------------------------------------------------------------------------


def test_archive_holds_only_pure_python(archive: Path) -> None:
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        infos = z.infolist()
        info = json.loads(z.read("BUILD-INFO"))
        main_py = z.read("__main__.py").decode()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib", ".dll")) or ".so." in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    top = {n.split("/", 1)[0] for n in names}
    assert top == TOP_LEVEL
    assert not top & FORBIDDEN
    # The packaged data the loaders read through importlib.resources.
    packaged_data = (
        "netguard/policies/baseline.yaml",
        "netguard/policies/contacts/example.yaml",
        "netguard/i18n/zh/common.yaml",
        "netguard/collect/scripts/linux.sh",
        "netguard/render/templates/record.html.j2",
        "tzdata/zoneinfo/Asia/Shanghai",
    )
    for data in packaged_data:
        assert data in names, data
    assert any(n.startswith("netguard/policies/playbooks/") and n.endswith(".yaml") for n in names)
    # Compressed, runnable as ./netguard.pyz, and exits with netguard's status.
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos if not i.is_dir())
    assert archive.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    assert "sys.exit(main())" in main_py
    assert info["version"] == netguard.__version__
    assert set(info["dependencies"]) == {"PyYAML", "Jinja2", "MarkupSafe", "rich", "tzdata"}
    assert "git_commit" in info


def test_build_refuses_a_c_extension(tmp_path: Path) -> None:
    build = _build_module()
    package = tmp_path / "netguard"
    package.mkdir()
    (package / "__init__.py").write_text('__version__ = "0"\n')
    (package / "_fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    with pytest.raises(build.BuildError, match=r"_fast\.cpython.*C extension"):
        build.build(tmp_path / "out.pyz", source=package, check=False)
    assert not (tmp_path / "out.pyz").exists()


# -- commands on a stock Python ------------------------------------------------------------------


def test_version(archive: Path, tmp_path: Path) -> None:
    proc = run_pyz(archive, "--version", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"netguard {netguard.__version__}"


def test_checks(archive: Path, tmp_path: Path) -> None:
    proc = run_pyz(archive, "checks", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "password.max_age" in proc.stdout and "isolation.default_route" in proc.stdout


def test_policy_check_of_the_packaged_policy(archive: Path, tmp_path: Path) -> None:
    # `policy check` takes a file: the baseline as shipped inside the archive.
    with zipfile.ZipFile(archive) as z:
        z.extract("netguard/policies/baseline.yaml", tmp_path)
    proc = run_pyz(archive, "policy", "check", "netguard/policies/baseline.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_inspect_then_verify(archive: Path, tmp_path: Path) -> None:
    keys, work, out = tmp_path / "keys", tmp_path / "cwd", tmp_path / "out"
    for d in (keys, work, out):
        d.mkdir()
    before = _listing(archive.parent)

    proc = run_pyz(archive, "keygen", "--no-passphrase", str(keys / "K"), cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert (keys / "K").is_file() and (keys / "K.pub").is_file()

    bundle = out / "bundle"
    proc = run_pyz(
        archive, "inspect", "--key", str(keys / "K"), "-o", str(bundle), "--unit", "X", "-q",
        cwd=work,
    )  # fmt: skip
    # Findings (1), undecided checks (3, e.g. /etc/shadow unreadable as a normal user) or a clean
    # machine (0) are all verdicts; a crash is not.
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("manifest.json", "manifest.sig", "results.json", "record.zh.html",
                 "record.en.html"):  # fmt: skip
        assert (bundle / name).is_file(), name
    doc = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    (host,) = doc["hosts"]
    assert host["status"] == "audited", host.get("detail")
    # The packaged baseline, read from inside the archive, is named by its place in it.
    policy = doc["run"]["policy"]
    assert policy["path"] == f"{archive}/netguard/policies/baseline.yaml"
    baseline = ROOT / "netguard" / "policies" / "baseline.yaml"
    assert policy["sha256"] == hashlib.sha256(baseline.read_bytes()).hexdigest()
    # Nothing was written but the bundle: no caches beside the archive or in the working folder
    # (zip imports write no .pyc), no history, nothing in HOME.
    assert _listing(work) == []
    assert _listing(archive.parent) == before

    proc = run_pyz(archive, "verify", str(bundle), "--key", str(keys / "K.pub"), cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The full install agrees with the single-file build.
    full = subprocess.run(
        [sys.executable, "-m", "netguard", "verify", str(bundle), "--key", str(keys / "K.pub")],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert full.returncode == 0, full.stdout + full.stderr


# -- SSH needs the full install ------------------------------------------------------------------


def _ssh_audit(archive: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "inventory.yaml").write_text(SSH_INVENTORY, encoding="utf-8")
    (tmp_path / "known_hosts").write_text("", encoding="utf-8")
    return run_pyz(
        archive, "audit", "inventory.yaml", "-q", "--format", "json", "-o", "results.json",
        cwd=tmp_path,
    )  # fmt: skip


def test_ssh_audit_without_paramiko_names_the_full_install(archive: Path, tmp_path: Path) -> None:
    proc = _ssh_audit(archive, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "full install" in proc.stderr and "paramiko" in proc.stderr
    assert "internal error" not in proc.stderr
    assert not (tmp_path / "results.json").exists()
