"""`netguard merge` end to end: two cities audit their own isolated network (real audits of this
machine through the local transport, real bundles signed with keys from `netguard keygen`), the
province verifies and merges them, and every document command and the history take the result.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netguard.results import load_results
from tests.cli.runner import ROOT, run_cli

SECRET = str(ROOT / "netguard" / "policies" / "secret.yaml")


def _inventory(name: str, own: str, address: str) -> str:
    # Both cities register an `office-pc` at 10.20.0.10: isolated networks reuse names and
    # private addresses.
    return f"""\
name: {name}
segments:
  - {{name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}}
hosts:
  - {{name: office-pc, address: 10.20.0.10, segment: lan, transport: local, department: 财政局}}
  - {{name: {own}, address: {address}, segment: lan, transport: local}}
"""


def _audit(home: Path, inventory: str, bundle: str, *extra: str) -> None:
    proc = run_cli(
        "audit", inventory, "--bundle", bundle, "-q", "--no-history", *extra, cwd=home
    )  # fmt: skip
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert f"bundle: {bundle}" in proc.stderr


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cities' signed bundles (江北区 with the baseline policy, 江南区 with the secret
    one), an unsigned one, and the keys of both cities and of a stranger."""
    home = tmp_path_factory.mktemp("province")
    for key, who in (("north", "江北区网管员"), ("south", "江南区网管员"), ("stranger", "某人")):
        proc = run_cli("keygen", f"{key}.key", "--no-passphrase", "--name", who, cwd=home)
        assert proc.returncode == 0, proc.stderr
    (home / "north.yaml").write_text(_inventory("江北区", "north-pc", "10.20.0.11"), "utf-8")
    (home / "south.yaml").write_text(_inventory("江南区", "south-pc", "10.20.0.12"), "utf-8")
    _audit(home, "north.yaml", "江北区-2026-11", "--key", "north.key")
    _audit(home, "south.yaml", "江南区-2026-11", "--key", "south.key", "-p", SECRET)
    _audit(home, "north.yaml", "unsigned")
    # a month later, both cities again
    _audit(home, "north.yaml", "江北区-2026-12", "--key", "north.key")
    _audit(home, "south.yaml", "江南区-2026-12", "--key", "south.key", "-p", SECRET)
    return home


TRUSTED = ("--trusted-key", "north.key.pub", "--trusted-key", "south.key.pub")


def _merge(home: Path, output: str, *args: str) -> tuple[int, str]:
    proc = run_cli("merge", *args, "-o", output, "--name", "某省", cwd=home)
    return proc.returncode, proc.stderr


def test_two_cities_merge_into_one_valid_document(province: Path) -> None:
    code, stderr = _merge(province, "fleet.json", "江北区-2026-11", "江南区-2026-11", *TRUSTED)
    assert code == 0, stderr
    assert "results: fleet.json" in stderr
    # the duplicate name is said, with both names it is kept under
    assert "office-pc" in stderr and "office-pc@江北区" in stderr and "office-pc@江南区" in stderr
    assert "different policies" in stderr  # baseline and secret: each host judged by its own

    results = load_results(province / "fleet.json")  # the one validator reads it back
    assert [c.id for c in results.collectors] == ["江北区", "江南区"]
    north, south = results.collectors
    assert north.verified and south.verified and north.signer_name == "江北区网管员"
    assert north.bundle == "江北区-2026-11" and north.hosts == 2
    assert north.inventory["name"] == "江北区" and len(north.inventory["sha256"]) == 64
    assert north.policy["name"] == "baseline" and south.policy["name"] == "secret"
    assert north.run_id != south.run_id != results.run_id
    assert results.started <= north.started and results.inventory["name"] == "某省"
    names = {h.name: h for h in results.hosts}
    assert set(names) == {"office-pc@江北区", "office-pc@江南区", "north-pc", "south-pc"}
    assert names["office-pc@江南区"].collector == "江南区"
    assert names["office-pc@江南区"].inventory_name == "office-pc"
    assert names["north-pc"].collector == "江北区" and names["north-pc"].inventory_name == ""
    kinds = {(d.kind, d.value) for d in results.duplicates}
    assert kinds == {("name", "office-pc"), ("address", "10.20.0.10")}
    doc = json.loads((province / "fleet.json").read_text("utf-8"))
    assert doc["summary"]["hosts"] == 4 and doc["run"]["policy"]["sha256"] == ""
    assert [p["name"] for p in doc["run"]["merged"]["policies"]] == ["baseline", "secret"]


def test_every_document_command_takes_the_merged_document(province: Path) -> None:
    code, stderr = _merge(province, "docs.json", "江北区-2026-11", "江南区-2026-11", *TRUSTED)
    assert code == 0, stderr
    for fmt in ("html", "md", "csv"):
        proc = run_cli("report", "docs.json", "--format", fmt, "--lang", "zh",
                       "-o", f"r.{fmt}", "--history", "none.sqlite", cwd=province)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    html = (province / "r.html").read_text("utf-8")
    assert 'id="by-collector"' in html and "江北区-2026-11" in html and "江南区-2026-11" in html
    assert "江北区网管员" in html and "office-pc@江南区" in html
    md = (province / "r.md").read_text("utf-8")
    assert "按采集端统计" in md and "| 江南区 | 江南区-2026-11 |" in md
    assert "office-pc@江北区" in (province / "r.csv").read_text("utf-8-sig")
    export = run_cli("export", "docs.json", "--format", "jsonl", cwd=province)
    assert export.returncode == 0, export.stderr
    hosts = {json.loads(line)["host"] for line in export.stdout.splitlines()}
    assert {"office-pc@江北区", "office-pc@江南区"} <= hosts
    checklist = run_cli("checklist", "docs.json", "-o", "checklists", cwd=province)
    assert checklist.returncode == 0, checklist.stderr


def test_the_history_takes_merges_and_trends_them(province: Path) -> None:
    for n in (11, 12):
        month = (f"江北区-2026-{n}", f"江南区-2026-{n}")
        code, stderr = _merge(province, f"m{n}.json", *month, *TRUSTED)
        assert code == 0, stderr
        proc = run_cli("history", "--history", "h.sqlite", "import", f"m{n}.json", cwd=province)
        assert proc.returncode == 0, proc.stderr
    # the history gives the merged document back whole: collectors, duplicates, hosts' collector
    report = run_cli("report", "--run", "latest", "--history", "h.sqlite", "--format", "md",
                     "--lang", "en", "-o", "trend.md", cwd=province)  # fmt: skip
    assert report.returncode == 0, report.stderr
    text = (province / "trend.md").read_text("utf-8")
    assert "Trend of compliance and coverage" in text  # two merges of 某省: a trend
    assert "Collectors (isolated networks)" in text and "江南区-2026-12" in text
    # the merges of 某省 one after the other: the same hosts under the same names
    diff = run_cli("diff", "--history", "h.sqlite", "--format", "json", cwd=province)
    assert diff.returncode in (0, 1, 3), diff.stderr
    changes = json.loads(diff.stdout)
    assert not changes["added"] and not changes["removed"], changes


def test_a_tampered_bundle_is_refused_naming_it(province: Path, tmp_path: Path) -> None:
    shutil.copytree(province / "江北区-2026-11", tmp_path / "tampered")
    results = tmp_path / "tampered" / "results.json"
    results.write_text(results.read_text("utf-8").replace('"fail"', '"pass"'), "utf-8")
    code, stderr = _merge(tmp_path, "out.json", "tampered", *_keys(province))
    assert code == 2 and "tampered" in stderr and "results.json" in stderr
    assert not (tmp_path / "out.json").exists()


def _keys(province: Path) -> tuple[str, ...]:
    return ("--trusted-key", str(province / "north.key.pub"),
            "--trusted-key", str(province / "south.key.pub"))  # fmt: skip


def test_a_bundle_signed_by_a_key_not_trusted_is_refused(province: Path) -> None:
    code, stderr = _merge(province, "x.json", "江北区-2026-11", "江南区-2026-11",
                          "--trusted-key", "north.key.pub")  # fmt: skip
    assert code == 2 and "江南区-2026-11" in stderr and "--trusted-key" in stderr
    assert not (province / "x.json").exists()
    stranger = _merge(province, "x.json", "江北区-2026-11", "--trusted-key", "stranger.key.pub")
    assert stranger[0] == 2 and not (province / "x.json").exists()


def test_unsigned_only_with_the_flag_and_marked(province: Path) -> None:
    code, stderr = _merge(province, "u.json", "江南区-2026-11", "unsigned", *TRUSTED)
    assert code == 2 and "unsigned" in stderr and "--allow-unsigned" in stderr
    assert not (province / "u.json").exists()
    code, stderr = _merge(
        province, "u.json", "江南区-2026-11", "unsigned", *TRUSTED, "--allow-unsigned"
    )
    assert code == 0, stderr
    assert "merged unverified" in stderr and "unsigned" in stderr
    results = load_results(province / "u.json")
    marks = {c.bundle: (c.signature, c.trusted, c.verified) for c in results.collectors}
    assert marks == {"江南区-2026-11": ("valid", True, True), "unsigned": ("missing", None, False)}
    html = run_cli("report", "u.json", "--format", "html", "--lang", "en", "-o", "u.html",
                   "--history", "none.sqlite", cwd=province)  # fmt: skip
    assert html.returncode == 0 and "not verified" in (province / "u.html").read_text("utf-8")


def test_signed_bundles_without_any_trusted_key_need_the_flag(province: Path) -> None:
    code, stderr = _merge(province, "n.json", "江北区-2026-11")
    assert code == 2 and "no --trusted-key" in stderr


def test_the_same_run_twice_and_an_existing_output_are_refused(province: Path) -> None:
    code, stderr = _merge(province, "twice.json", "江北区-2026-11", "江北区-2026-11", *TRUSTED)
    assert code == 2 and "same run" in stderr
    (province / "kept.json").write_text("{}", "utf-8")
    code, stderr = _merge(province, "kept.json", "江北区-2026-11", *TRUSTED)
    assert code == 2 and "not overwritten" in stderr
    assert (province / "kept.json").read_text("utf-8") == "{}"
    code, stderr = run_cli("merge", "江北区-2026-11", *TRUSTED, "-o", "kept.json", "--force",
                           cwd=province).returncode, ""  # fmt: skip
    assert code == 0 and load_results(province / "kept.json").merged
