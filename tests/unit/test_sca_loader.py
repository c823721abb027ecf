"""Rule files: Wazuh SCA policies as they are, netguard's own format, located errors,
unsupported checks kept, and the real CIS policy when one is at hand."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.model import Severity
from netguard.sca import loader
from netguard.sca.loader import is_rule_file, load_rule_file
from netguard.sca.model import Condition, PatternOp, RegexFlavour, RuleKind

from .conftest import WriteYaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sca"
SCA_FIXTURE = FIXTURES / "office_baseline.yml"
NETGUARD_FIXTURE = FIXTURES / "office_rules.yaml"


def assert_error(path: Path, line: int | None, field: str | None, phrase: str) -> InputError:
    with pytest.raises(InputError) as exc:
        load_rule_file(path)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), line, field), str(err)
    assert phrase in err.message, str(err)
    return err


# -- the Wazuh SCA fixture ---------------------------------------------------------------


def test_the_sca_fixture_loads_with_every_construct() -> None:
    rf = load_rule_file(SCA_FIXTURE)
    assert (rf.format, rf.id, rf.name) == (
        "wazuh-sca",
        "office_baseline",
        "Office workstation baseline (test policy)",
    )
    assert rf.sha256 == hashlib.sha256(SCA_FIXTURE.read_bytes()).hexdigest()
    assert rf.source == SCA_FIXTURE.read_bytes()
    assert rf.description.startswith("Hardening checks")
    kinds = {rule.kind for check in rf.checks for rule in check.rules}
    assert kinds == set(RuleKind)
    ops = {p.op for check in rf.checks for rule in check.rules for p in rule.content}
    assert ops == set(PatternOp)
    compares = {
        p.compare for check in rf.checks for rule in check.rules for p in rule.content if p.compare
    }
    assert compares == {"<", "<=", "==", "!=", ">=", ">"}
    assert {c.condition for c in rf.checks} == set(Condition)


def test_sca_checks_are_named_and_described_as_documented() -> None:
    rf = load_rule_file(SCA_FIXTURE)
    check = {c.id: c for c in rf.checks}["office_baseline.5003"]
    assert check.source_id == "5003"
    assert check.title == {"en": "Ensure SSH root login is disabled."}
    assert check.rationale == {"en": "Logging in as root leaves no trace of who did it."}
    assert check.description == {}
    assert (check.category, check.severity, check.references) == ("sca", Severity.MEDIUM, ())
    assert check.compliance == {"cis": ("5.2.10",)}
    assert check.line is not None and check.rules[0].line == check.line + 10
    assert all(p.flavour is RegexFlavour.OSREGEX for r in check.rules for p in r.content)
    first = {c.id: c for c in rf.checks}["office_baseline.5000"]
    assert first.compliance == {"cis": ("5.2.1",), "gb_t_22239": ("8.1.4.2",)}


def test_sca_variables_and_requirements() -> None:
    rf = load_rule_file(SCA_FIXTURE)
    assert rf.requirements is not None
    assert rf.requirements.title.startswith("Check that the host is a Linux system")
    assert rf.requirements.condition is Condition.ALL
    assert rf.requirements.rules[1].targets == (
        "/etc/ssh/sshd_config",
        "/usr/local/etc/sshd_config",
    )
    checks = {c.id: c for c in rf.checks}
    pam = checks["office_baseline.5012"].rules[0]
    assert pam.targets == ("/etc/pam.d/common-password", "/etc/pam.d/system-auth")
    assert (
        pam.text
        == "f:/etc/pam.d/common-password,/etc/pam.d/system-auth -> n:minlen=(\\d+) compare == 8"
    )
    assert checks["office_baseline.5021"].rules[1].targets == ("/etc/profile.d",)


def test_sca_unsupported_checks_are_kept_with_their_reason() -> None:
    rf = load_rule_file(SCA_FIXTURE)
    checks = {c.id: c for c in rf.checks}
    registry = checks["office_baseline.5040"]
    assert registry.unsupported.startswith(f"line {registry.rules[0].line}: r: ")
    wildcard = checks["office_baseline.5041"]
    assert "'/etc/sysctl.d/*'" in wildcard.unsupported and wildcard.rules == ()
    assert wildcard.unsupported.startswith(f"line {wildcard.line + 4}:")
    assert [c.id for c in rf.checks if c.unsupported] == [
        "office_baseline.5040",
        "office_baseline.5041",
    ]


def test_sca_is_lenient_with_keys_netguard_does_not_use(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        policy: {id: p1, file: p1.yml, name: P, description: D, extra: 1}
        future_section: {a: 1}
        checks:
          - {id: 1, title: T, condition: any, rules: ["f:/etc/a"], impact: I, reference: [x]}
        """
    )
    assert [c.id for c in load_rule_file(path).checks] == ["p1.1"]


def test_sca_regex_type_pcre2(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        r"""
        policy: {id: p1, name: P, regex_type: pcre2}
        checks:
          - {id: 1, title: T, condition: all, rules: ['f:/etc/a -> r:^\d{2}$']}
        """
    )
    (check,) = load_rule_file(path).checks
    assert check.rules[0].content[0].flavour is RegexFlavour.PCRE2


# -- netguard's own format ---------------------------------------------------------------


def test_the_netguard_fixture_loads() -> None:
    rf = load_rule_file(NETGUARD_FIXTURE)
    assert (rf.format, rf.id, rf.name, rf.description) == (
        "netguard-rules",
        "office",
        "Municipal office additions",
        "Checks the office added to the baseline.",
    )
    first, second = rf.checks
    assert (first.id, first.source_id, first.category, first.severity) == (
        "office.sshd_root_login",
        "office.sshd_root_login",
        "accounts",
        Severity.HIGH,
    )
    assert first.title == {"en": "SSH refuses root logins", "zh": "SSH 禁止 root 直接登录"}
    assert first.references == ("GB/T 22239-2019 8.1.4.2",)
    assert first.rules[0].targets == ("/etc/ssh/sshd_config",)
    assert first.rules[0].content[0].flavour is RegexFlavour.PCRE2
    assert (second.category, second.severity) == ("desktop", Severity.MEDIUM)
    assert second.rules[1].file_pattern is not None
    assert second.rules[1].file_pattern.op is PatternOp.LITERAL
    assert rf.requirements is not None and rf.requirements.title == "Linux hosts with OpenSSH"


def test_netguard_plain_title_is_english_and_registry_is_unsupported(
    write_yaml: WriteYaml,
) -> None:
    path = write_yaml(
        r"""
        netguard_rules: 1
        id: office
        name: Office
        regex_type: osregex
        checks:
          - id: office.windows_lsa
            title: Blank passwords only on the console
            condition: all
            rules:
              - 'r:HKLM\System\Lsa -> LimitBlankPasswordUse -> 1'
              - 'f:/etc/a -> r:\.+'
        """
    )
    (check,) = load_rule_file(path).checks
    assert check.title == {"en": "Blank passwords only on the console"}
    assert check.unsupported == "line 10: r: reads the Windows registry"
    assert check.rules[1].content[0].flavour is RegexFlavour.OSREGEX


# -- located errors ----------------------------------------------------------------------

NG_HEAD = """
netguard_rules: 1
id: office
name: Office
checks:
"""


@pytest.mark.parametrize(
    ("body", "line", "field", "phrase"),
    [
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/etc/a -> r:(']}",
            5,
            "checks[0].rules[0]",
            "rule 'f:/etc/a -> r:(', column 16: the regular expression does not compile",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/etc/*']}",
            5,
            "checks[0].rules[0]",
            "column 3: '/etc/*': the path contains '*'",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['q:/etc']}",
            5,
            "checks[0].rules[0]",
            "column 1: unknown rule type 'q:'",
        ),
        (
            "  - {id: password.max_age, title: T, condition: all, rules: ['f:/a']}",
            5,
            "checks[0].id",
            "is a built-in check",
        ),
        (
            "  - {id: Office.A, title: T, condition: all, rules: ['f:/a']}",
            5,
            "checks[0].id",
            "lower-case words joined by dots",
        ),
        (
            "  - {id: office.a, title: T, condition: some, rules: ['f:/a']}",
            5,
            "checks[0].condition",
            "invalid value 'some'",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: []}",
            5,
            "checks[0].rules",
            "list at least one rule",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/a'], severty: high}",
            5,
            "checks[0].severty",
            "unknown key 'severty' (did you mean severity?)",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/a'], severity: urgent}",
            5,
            "checks[0].severity",
            "invalid value 'urgent'",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/a'], category: Desk Top}",
            5,
            "checks[0].category",
            "one lower-case word",
        ),
        (
            "  - {id: office.a, title: {zh: 标题}, condition: all, rules: ['f:/a']}",
            5,
            "checks[0].title.en",
            "required key is missing",
        ),
        (
            "  - {id: office.a, title: {en: T, fr: T}, condition: all, rules: ['f:/a']}",
            5,
            "checks[0].title.fr",
            "unknown key 'fr'",
        ),
        (
            "  - {id: office.a, title: T, condition: all, rules: ['f:/a']}\n"
            "  - {id: office.a, title: T, condition: all, rules: ['f:/b']}",
            6,
            "checks[1].id",
            "duplicate check id 'office.a' (first on line 5)",
        ),
    ],
)
def test_netguard_errors_are_located(
    write_yaml: WriteYaml, body: str, line: int, field: str, phrase: str
) -> None:
    path = write_yaml(NG_HEAD.lstrip("\n") + body + "\n")
    assert_error(path, line, field, phrase)


def test_netguard_top_level_errors(write_yaml: WriteYaml) -> None:
    path = write_yaml("netguard_rules: 2\nid: o\nname: O\nchecks: []\n")
    assert_error(path, 1, "netguard_rules", "rule files of format 1")
    path = write_yaml("netguard_rules: 1\nid: o\nname: O\nchecks: []\n")
    assert_error(path, 4, "checks", "the rule file has no checks")
    path = write_yaml("netguard_rules: 1\nid: o\nname: O\nchecks: [x]\nextra: 1\n")
    assert_error(path, 5, "extra", "unknown key 'extra'")
    path = write_yaml("netguard_rules: 1\nid: o.x\nname: O\nchecks: []\n")
    assert_error(path, 2, "id", "letters, digits")
    path = write_yaml("netguard_rules: 1\nid: o\nname: O\nregex_type: perl\nchecks: []\n")
    assert_error(path, 4, "regex_type", "expected osregex or pcre2")


def test_a_variable_rule_error_shows_both_texts(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        netguard_rules: 1
        id: o
        name: O
        variables:
          $conf: /etc/a,/etc/b
        checks:
          - id: o.a
            title: T
            condition: all
            rules:
              - 'f:$conf -> n:x compare < 3'
        """
    )
    err = assert_error(path, 11, "checks[0].rules[0]", "capture group")
    assert "'f:/etc/a,/etc/b -> n:x compare < 3' (from 'f:$conf -> n:x compare < 3'" in str(err)


def test_variable_names_are_checked(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "policy: {id: p, name: P}\nvariables:\n  conf: /etc/a\nchecks:\n"
        "  - {id: 1, title: T, condition: all, rules: ['f:/a']}\n"
    )
    assert_error(path, 3, "variables.conf", "a '$' then letters")


@pytest.mark.parametrize(
    ("text", "line", "field", "phrase"),
    [
        ("policy: {name: P}\nchecks: [x]\n", 1, "policy.id", "required key is missing"),
        ("policy: {id: p, name: P}\nchecks: []\n", 2, "checks", "the policy has no checks"),
        (
            "policy: {id: p, name: P}\nchecks:\n  - {title: T, condition: all, rules: ['f:/a']}\n",
            3,
            "checks[0].id",
            "required key is missing",
        ),
        (
            "policy: {id: p, name: P}\nchecks:\n"
            "  - {id: '1', title: T, condition: all, rules: ['f:/a']}\n",
            3,
            "checks[0].id",
            "expected a whole number",
        ),
        (
            "policy: {id: p, name: P}\nchecks:\n"
            "  - {id: 1, title: T, condition: all, rules: ['f:/a']}\n"
            "  - {id: 1, title: U, condition: all, rules: ['f:/b']}\n",
            4,
            "checks[1].id",
            "duplicate check id 1 (first on line 3)",
        ),
        (
            "policy: {id: p, name: P}\nchecks:\n"
            "  - {id: 1, title: T, condition: all, rules: ['f:/a -> r:\\q']}\n",
            3,
            "checks[0].rules[0]",
            "rule 'f:/a -> r:\\q', column 11: '\\q' is not an OS_Regex escape",
        ),
        (
            "policy: {id: p, name: P}\nrequirements:\n  title: R\n  condition: all\n"
            "  rules: ['f:/etc/*']\nchecks:\n"
            "  - {id: 1, title: T, condition: all, rules: ['f:/a']}\n",
            5,
            "requirements.rules[0]",
            "the path contains '*'",
        ),
        (
            "policy: {id: p, name: P}\nchecks:\n"
            "  - {id: 1, title: T, condition: all, rules: ['f:/a'],"
            " compliance: [{cis: [{x: 1}]}]}\n",
            3,
            "checks[0].compliance[0].cis[0]",
            "expected an id",
        ),
    ],
)
def test_sca_errors_are_located(
    write_yaml: WriteYaml, text: str, line: int, field: str, phrase: str
) -> None:
    assert_error(write_yaml(text), line, field, phrase)


def test_not_a_rule_file(write_yaml: WriteYaml) -> None:
    assert_error(write_yaml("name: pack\nchecks: {}\n"), 1, None, "not a rule file")
    assert_error(write_yaml("- a\n"), 1, None, "a rule file is a mapping")


def test_malformed_yaml_is_located(write_yaml: WriteYaml) -> None:
    path = write_yaml("policy: {id: p\nchecks: [\n")
    with pytest.raises(InputError) as exc:
        load_rule_file(path)
    assert exc.value.file == str(path) and "invalid YAML" in exc.value.message


def test_an_enormous_file_is_refused_before_parsing(
    write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_yaml("policy: {id: p, name: P}\nchecks: []\n" + "# padding\n" * 20)
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    err = assert_error(path, None, None, "the limit is 100 bytes")
    assert "bytes; the limit" in str(err)


def test_a_missing_file(tmp_path: Path) -> None:
    assert_error(tmp_path / "none.yml", None, None, "rule file file not found")


def test_a_device_or_pipe_is_refused_before_reading(tmp_path: Path) -> None:
    assert_error(Path("/dev/zero"), None, None, "rule file is not a regular file")
    fifo = tmp_path / "rules.yml"
    os.mkfifo(fifo)
    assert_error(fifo, None, None, "rule file is not a regular file")


def test_a_catastrophic_regex_loads_at_once(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "netguard_rules: 1\nid: o\nname: O\nchecks:\n"
        "  - {id: o.a, title: T, condition: all, rules: ['f:/a -> r:^(a|aa)+$']}\n"
    )
    (check,) = load_rule_file(path).checks
    assert check.rules[0].content[0].value == "^(a|aa)+$"


# -- telling rule files from policy packs ------------------------------------------------


def test_is_rule_file(write_yaml: WriteYaml, tmp_path: Path) -> None:
    assert is_rule_file(SCA_FIXTURE) and is_rule_file(NETGUARD_FIXTURE)
    assert not is_rule_file(ROOT / "netguard" / "policies" / "baseline.yaml")
    assert not is_rule_file(write_yaml("name: x\nchecks: {}\n  policy: nested\n"))
    assert not is_rule_file(tmp_path / "missing.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    assert not is_rule_file(tmp_path / "pipe.yaml")  # and does not wait for a writer


# -- the real Wazuh policy (not in the repository) ---------------------------------------

REAL_DIR = os.environ.get("NETGUARD_SCA_POLICY_DIR", "")


@pytest.mark.skipif(
    not REAL_DIR or not (Path(REAL_DIR) / "cis_debian12.yml").is_file(),
    reason="NETGUARD_SCA_POLICY_DIR does not hold Wazuh's cis_debian12.yml",
)
def test_the_real_cis_debian12_policy_loads() -> None:
    path = Path(REAL_DIR) / "cis_debian12.yml"
    assert is_rule_file(path)
    rf = load_rule_file(path)
    assert rf.format == "wazuh-sca" and rf.id == "cis_debian12"
    assert len(rf.checks) > 100
    assert all(c.id.startswith("cis_debian12.") for c in rf.checks)
    assert rf.requirements is not None and rf.requirements.rules
    # What netguard cannot read as written is reported, never dropped.
    supported = [c for c in rf.checks if not c.unsupported]
    assert len(supported) > len(rf.checks) // 2
    assert all(c.rules for c in supported)
