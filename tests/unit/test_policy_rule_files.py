"""Rule files in a policy pack (``rules:``) or given alone as the policy, and what their checks
carry through the pipeline: per-language titles, waivers by their ids, the document."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from netguard.checks import CATALOG
from netguard.cli.options import load_waivers, policy_check_ids
from netguard.errors import InputError
from netguard.model import Finding, FindingStatus, Severity, Zone
from netguard.policy import load_policy
from netguard.report.words import Words
from netguard.results.read import parse_results
from netguard.results.records import FindingRecord
from tests.report.conftest import document, host

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sca"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("office_rules.yaml", "office_baseline.yml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def pack(folder: Path, text: str) -> Path:
    path = folder / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pack_runs_its_rule_files_beside_the_built_in_checks(folder: Path) -> None:
    p = load_policy(
        pack(
            folder,
            "name: office\n"
            "checks: {password.age: {}}\n"
            "rules:\n"
            "  - office_rules.yaml\n"
            "  - {file: office_baseline.yml, severity: high, zones: [intranet]}\n",
        ),
        CATALOG,
    )
    ids = [c.spec.id for c in p.checks]
    assert ids[0] == "password.age"
    assert ids[1:3] == ["office.sshd_root_login", "office.screen_lock"]
    assert len([i for i in ids if i.startswith("office_baseline.")]) == 16
    by_id = {c.spec.id: c for c in p.checks}
    # the file's own severity unless the pack says otherwise; every zone unless it does
    assert by_id["office.sshd_root_login"].severity is Severity.HIGH
    assert by_id["office.sshd_root_login"].zones == frozenset(Zone)
    assert by_id["office_baseline.5000"].severity is Severity.HIGH
    assert by_id["office_baseline.5000"].zones == {Zone.INTRANET}
    assert [rf.named_as for rf in p.rule_files] == ["office_rules.yaml", "office_baseline.yml"]
    assert p.rule_files[0].path == str(folder / "office_rules.yaml")


def test_a_rule_file_alone_is_a_policy_of_its_checks() -> None:
    p = load_policy(FIXTURES / "office_rules.yaml", CATALOG)
    assert p.name == "Municipal office additions"
    assert [c.spec.id for c in p.checks] == ["office.sshd_root_login", "office.screen_lock"]
    assert p.source == (FIXTURES / "office_rules.yaml").read_bytes()
    assert p.rule_files[0].named_as == ""  # kept as the policy itself in a bundle


@pytest.mark.parametrize(
    ("rules", "line", "phrase"),
    [
        ("  - missing.yml\n", 4, "rule file 'missing.yml' not found"),
        ("  - office_rules.yaml\n  - office_rules.yaml\n", 5, "is already selected"),
        ("  - {path: office_rules.yaml}\n", 4, "unknown key 'path'"),
    ],
)
def test_bad_rules_entries_are_located(folder: Path, rules: str, line: int, phrase: str) -> None:
    path = pack(folder, "name: x\nchecks: {password.age: {}}\nrules:\n" + rules)
    with pytest.raises(InputError) as exc:
        load_policy(path, CATALOG)
    assert exc.value.file == str(path) and exc.value.line == line
    assert phrase in str(exc.value)


def test_a_rule_file_check_cannot_shadow_a_pack_check(folder: Path) -> None:
    (folder / "again.yaml").write_text(
        (folder / "office_rules.yaml").read_text("utf-8").replace("id: office\n", "id: again\n"),
        encoding="utf-8",
    )
    path = pack(folder, "name: x\nrules: [office_rules.yaml, again.yaml]\n")
    with pytest.raises(InputError, match=r"'office\.sshd_root_login' of again\.yaml is already"):
        load_policy(path, CATALOG)


def test_waivers_may_name_the_policys_rule_file_checks(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - host: pc-*\n"
        "    check: office.sshd_root_login\n"
        "    reason: kiosk account\n"
        "    approver: 王科长\n"
        "    approved: 2026-11-01\n"
        "    expires: 2027-05-01\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="matches no known check"):
        load_waivers(str(waivers))
    policy = load_policy(FIXTURES / "office_rules.yaml", CATALOG)
    assert "office.sshd_root_login" in policy_check_ids(policy)
    assert "password.age" in policy_check_ids(policy)  # the catalog's stay waivable
    loaded = load_waivers(str(waivers), policy)
    assert [w.check for w in loaded.entries] == ["office.sshd_root_login"]


def test_a_rule_file_checks_words_travel_in_the_document_and_reach_each_language() -> None:
    finding = Finding(
        check="office.sshd_root_login",
        category="accounts",
        status=FindingStatus.FAIL,
        severity=Severity.HIGH,
        message="…",
        title="SSH refuses root logins",
        remediation="Set PermitRootLogin no",
        titles={"en": "SSH refuses root logins", "zh": "SSH 禁止 root 直接登录"},
        remediations={"en": "Set PermitRootLogin no", "zh": "设置 PermitRootLogin no"},
    )
    doc = finding.to_dict()
    assert doc["titles"]["zh"] == "SSH 禁止 root 直接登录"
    record = _read_back(doc)
    assert Words("zh").title(record) == "SSH 禁止 root 直接登录"
    assert Words("en").title(record) == "SSH refuses root logins"
    assert Words("zh").remediation(record) == "设置 PermitRootLogin no"
    # a built-in check's document has neither key (older readers and goldens unchanged)
    plain = Finding("password.age", "password", FindingStatus.PASS, Severity.HIGH, "ok")
    assert "titles" not in plain.to_dict() and "remediations" not in plain.to_dict()


def _read_back(finding: dict[str, Any]) -> FindingRecord:
    return parse_results(document([host("pc-1", findings=[finding])])).hosts[0].findings[0]
