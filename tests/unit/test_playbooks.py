"""Playbooks and contacts: the packaged files load, and every malformed field is located."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.i18n import LANGS
from netguard.playbooks import (
    CATEGORIES,
    Contacts,
    Grade,
    Offset,
    Phase,
    Stage,
    default_playbooks_dir,
    load_contacts,
    load_playbook,
    load_playbooks,
    parse_offset,
)

from .conftest import WriteYaml

PACKAGED_IDS = {
    "isolation-breach",
    "antivirus-failure",
    "password-breach",
    "unregistered-device",
    "removable-media",
    "unknown-machine",
    "ransomware",
    "website-defacement",
    "classified-leak",
}
MANUAL_IDS = {"ransomware", "website-defacement", "classified-leak"}
CHECKS = {
    "antivirus.installed": "antivirus",
    "password.age": "password",
    "isolation.wireless": "isolation",
    "ssh.hostkey": "transport",
}

# A minimal valid playbook; the bad-field cases below change one line of it.
VALID = """\
id: demo
name: {zh: 演示, en: Demo}
category: violation
grade: IV
triggers:
  - checks: ["isolation.*"]
    zones: [intranet]
  - host_status: [hostkey_mismatch]
escalation:
  - when: {zones: [classified]}
    grade: II
    reason: {zh: 涉密, en: Classified}
steps:
  - phase: discover
    role: duty_officer
    within: 30m
    notify: [secrecy_office]
    text: {zh: 报告, en: Report}
  - phase: review
    role: host_owner
    within: 3mo
    min_grade: III
    text:
      zh: 总结
      en: Review
evidence:
  - {zh: 日志, en: Logs}
signoff: [duty_officer, host_owner]
"""


@pytest.fixture(scope="module")
def contacts() -> Contacts:
    return load_contacts()


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing needle (so cases state no magic numbers)."""
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def assert_error(path: Path, contacts: Contacts, needle: str, field: str, phrase: str) -> None:
    with pytest.raises(InputError) as exc:
        load_playbook(path, contacts, checks=CHECKS)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), line_of(path, needle), field), str(err)
    assert phrase in err.message, str(err)


# -- the packaged files ----------------------------------------------------------------------------


def test_every_packaged_playbook_loads(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="netguard.playbooks"):
        playbooks = load_playbooks()
    assert {p.id for p in playbooks} == PACKAGED_IDS
    for pb in playbooks:
        assert pb.name.zh and pb.name.en and pb.category in CATEGORIES
        assert pb.steps and pb.signoff and pb.path.endswith(f"{pb.id}.yaml")
        assert {s.phase for s in pb.steps} >= {Phase.DISCOVER, Phase.REVIEW}, pb.id
        assert pb.manual == (pb.id in MANUAL_IDS) and bool(pb.triggers) != pb.manual, pb.id
    # Every packaged trigger now matches a check (media.* since the removable-media checks).
    assert [r.getMessage() for r in caplog.records] == []
    (media,) = (p for p in playbooks if p.id == "removable-media")
    assert media.notes == ()


def test_isolation_breach_says_what_incidents_md_requires() -> None:
    (pb,) = (p for p in load_playbooks() if p.id == "isolation-breach")
    assert pb.name.zh == "违规外联" and pb.grade is Grade.IV
    assert any("不得格式化" in w.zh and "wipe" in w.en for w in pb.warnings)
    reports = {(s.within.text, n) for s in pb.steps for n in s.notify}
    assert ("24h", "secrecy_office") in reports
    assert ("3mo", "secrecy_office") in reports  # the written result
    assert any("封" in s.text.zh for s in pb.steps)  # sealed, not wiped
    classified = [r for r in pb.escalation if r.zones == frozenset({"classified"})]
    assert classified and classified[0].to is Grade.II


def test_packaged_contacts() -> None:
    c = load_contacts()
    assert c.timezone.key == "Asia/Shanghai"
    assert {"duty_officer", "network_admin", "coordination_group", "secrecy_office",
            "cyberspace_office", "public_security"} <= set(c.roles)  # fmt: skip
    assert c.roles["secrecy_office"].name.zh == "保密工作机构"
    assert c.has_role("host_owner") and "host_owner" not in c.roles


def test_valid_playbook_loads_exactly(write_yaml: WriteYaml, contacts: Contacts) -> None:
    pb = load_playbook(write_yaml(VALID), contacts, checks=CHECKS)
    assert (pb.id, pb.name.zh, pb.name.en, pb.grade) == ("demo", "演示", "Demo", Grade.IV)
    assert pb.triggers[0].checks == ("isolation.*",)
    assert pb.triggers[0].zones == frozenset({"intranet"})
    assert pb.triggers[0].finding_status == frozenset({"fail"})
    assert pb.triggers[1].host_status == frozenset({"hostkey_mismatch"})
    assert [(s.phase, s.role, s.within) for s in pb.steps] == [
        (Phase.DISCOVER, "duty_officer", Offset(30, "m", "30m")),
        (Phase.REVIEW, "host_owner", Offset(3, "mo", "3mo")),
    ]
    assert pb.steps[1].min_grade is Grade.III and pb.steps[0].notify == ("secrecy_office",)
    assert pb.signoff == ("duty_officer", "host_owner") and pb.notes == ()


def test_chinese_grade_names(write_yaml: WriteYaml, contacts: Contacts) -> None:
    path = write_yaml(VALID.replace("grade: IV", "grade: 较大"))
    assert load_playbook(path, contacts, checks=CHECKS).grade is Grade.III


# -- located errors --------------------------------------------------------------------------------

BAD = [
    # (replace, with, line containing, field, phrase)
    (
        "role: duty_officer",
        "role: duty_oficer",
        "duty_oficer",
        "steps[0].role",
        "unknown role 'duty_oficer' (did you mean duty_officer?)",
    ),
    (
        "notify: [secrecy_office]",
        "notify: [secret_office]",
        "secret_office",
        "steps[0].notify[0]",
        "unknown role 'secret_office'",
    ),
    (
        "signoff: [duty_officer, host_owner]",
        "signoff: [duty_officer, owner]",
        "signoff:",
        "signoff[1]",
        "unknown role 'owner'",
    ),
    ("within: 30m", "within: 30x", "30x", "steps[0].within", "invalid time limit '30x'"),
    ("within: 30m", "within: 30", "within: 30", "steps[0].within", "with a unit"),
    ("within: 30m", "within: 2 weeks", "2 weeks", "steps[0].within", "invalid time limit"),
    ("within: 3mo", "within: 999mo", "999mo", "steps[1].within", "too far away"),
    ("grade: IV", "grade: V", "grade: V", "grade", "invalid grade text ('V')"),
    ("min_grade: III", "min_grade: 3", "min_grade", "steps[1].min_grade", "invalid grade"),
    ("    grade: II", "    grade: severe", "grade: severe", "escalation[0].grade", "invalid grade"),
    ("phase: discover", "phase: contain", "contain", "steps[0].phase", "invalid value 'contain'"),
    ("name: {zh: 演示, en: Demo}", "name: {zh: 演示}", "name:", "name.en", "missing the en text"),
    # A missing key: the line where the enclosing mapping starts (docs/formats.md).
    ("      en: Review\n", "", "zh: 总结", "steps[1].text.en", "missing the en text"),
    ("name: {zh: 演示, en: Demo}", "name: 演示", "name:", "name", "both languages"),
    (
        "category: violation",
        "category: violations",
        "category",
        "category",
        "unknown GB/T 20986-2023 category 'violations' (did you mean violation?)",
    ),
    ("id: demo", "id: Demo One", "id:", "id", "invalid id"),
    (
        "  - host_status: [hostkey_mismatch]",
        "  - host_status: [hostkey_changed]",
        "hostkey_changed",
        "triggers[1].host_status[0]",
        "invalid value 'hostkey_changed'",
    ),
    (
        "    zones: [intranet]",
        "    zones: [intranet, lan]",
        "lan]",
        "triggers[0].zones[1]",
        "invalid value 'lan'",
    ),
    (
        "  - host_status: [hostkey_mismatch]",
        "  - zones: [intranet]",
        "  - zones: [intranet]",
        "triggers[1]",
        "needs checks, categories or host_status",
    ),
    (
        "    grade: II\n",
        "    grade: II\n    raise: 1\n",
        "when: {zones",
        "escalation[0]",
        "exactly one of grade",
    ),
    ("steps:", "stepz:", "stepz", "stepz", "unknown key 'stepz' (did you mean steps?)"),
]


@pytest.mark.parametrize(("old", "new", "needle", "field", "phrase"), BAD)
def test_bad_field_is_located(
    write_yaml: WriteYaml, contacts: Contacts, old: str, new: str, needle: str, field: str,
    phrase: str,
) -> None:  # fmt: skip
    assert old in VALID
    assert_error(write_yaml(VALID.replace(old, new, 1)), contacts, needle, field, phrase)


def test_missing_required_key_points_at_the_mapping(
    write_yaml: WriteYaml, contacts: Contacts
) -> None:
    path = write_yaml(VALID.replace("    within: 30m\n", ""))
    assert_error(path, contacts, "- phase: discover", "steps[0].within", "required key is missing")


def test_duplicate_id_names_both_files(tmp_path: Path, contacts: Contacts) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# a copy\n" + VALID, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_playbooks(tmp_path, contacts, checks=CHECKS)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(tmp_path / "b.yaml"), 2, "id")
    assert f"duplicate playbook id 'demo' (first in {tmp_path / 'a.yaml'}:1)" in err.message


def test_missing_folder(tmp_path: Path, contacts: Contacts) -> None:
    with pytest.raises(InputError, match="playbook folder not found"):
        load_playbooks(tmp_path / "nope", contacts)


def test_trigger_matching_no_check_warns(
    write_yaml: WriteYaml, contacts: Contacts, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_yaml(VALID.replace('"isolation.*"', '"media.*", "isolation.*"'))
    with caplog.at_level(logging.WARNING, logger="netguard.playbooks"):
        (pb,) = load_playbooks(path.parent, contacts, checks=CHECKS)
    line = line_of(path, "media.*")
    assert pb.notes == (
        f"{path}:{line}: triggers[0].checks[0]: 'media.*' matches no known check; "
        "this trigger cannot fire until such a check exists",
    )
    assert [r.getMessage() for r in caplog.records] == list(pb.notes)


def test_roles_come_from_the_contacts_file(write_yaml: WriteYaml) -> None:
    contacts_path = write_yaml(
        """
        organisation: 某局
        roles:
          duty_officer: {name: {zh: 值班员, en: Duty officer}}
        """,
        "contacts.yaml",
    )
    c = load_contacts(contacts_path)
    assert c.organisation.zh == c.organisation.en == "某局" and c.timezone.key == "Asia/Shanghai"
    path = write_yaml(VALID, "pb/demo.yaml")
    with pytest.raises(InputError) as exc:
        load_playbook(path, c, checks=CHECKS)
    # duty_officer exists here; secrecy_office (notify of step 0) does not.
    assert (exc.value.line, exc.value.field) == (line_of(path, "notify:"), "steps[0].notify[0]")
    assert str(contacts_path) in exc.value.message


# -- contacts errors -------------------------------------------------------------------------------

CONTACTS_BAD = [
    ("timezone: Asia/Shangai", "Shangai", "timezone", "unknown time zone 'Asia/Shangai'"),
    (
        "roles:\n  host_owner: {name: {zh: 使用人, en: User}}",
        "host_owner:",
        "roles.host_owner",
        "built in",
    ),
    (
        "roles:\n  duty_officer: {name: {zh: 值班员}}",
        "duty_officer",
        "roles.duty_officer.name.en",
        "missing the en text",
    ),
    (
        "roles:\n  duty_officer: {name: {zh: 值班员, en: Duty}, phone: 12345}",
        "duty_officer",
        "roles.duty_officer.phone",
        "quote it",
    ),
    (
        "roles:\n  duty_officer: {name: {zh: 值班员, en: Duty}, mobile: '1'}",
        "duty_officer",
        "roles.duty_officer.mobile",
        "unknown key 'mobile'",
    ),
]


@pytest.mark.parametrize(("text", "needle", "field", "phrase"), CONTACTS_BAD)
def test_bad_contacts_field_is_located(
    write_yaml: WriteYaml, text: str, needle: str, field: str, phrase: str
) -> None:
    body = "organisation: 某局\n" + text + ("" if "roles" in text else "\nroles: {}") + "\n"
    path = write_yaml(body, "contacts.yaml")
    with pytest.raises(InputError) as exc:
        load_contacts(path)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), line_of(path, needle), field), str(err)
    assert phrase in err.message, str(err)


def test_contacts_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="contacts file not found"):
        load_contacts(tmp_path / "contacts.yaml")


# -- offsets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("0m", 0, "m"), ("30m", 30, "m"), ("2h", 2, "h"), ("24h", 24, "h"), ("3d", 3, "d"),
     ("3mo", 3, "mo"), ("12 mo", 12, "mo")],
)  # fmt: skip
def test_parse_offset(text: str, amount: int, unit: str) -> None:
    assert parse_offset(text) == Offset(amount, unit, text)


@pytest.mark.parametrize("text", ["", "m", "-1h", "1.5h", "1w", "1y", "3 months", "h2"])
def test_parse_offset_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="time limit"):
        parse_offset(text)


def test_languages_of_model_match_catalogs() -> None:
    from netguard.i18n import LANGS as CATALOG_LANGS

    assert tuple(LANGS) == tuple(CATALOG_LANGS)
    assert default_playbooks_dir().is_dir()


# -- order of steps (after), stages, manual playbooks ----------------------------------------------

ORDERED = """\
id: ordered
name: {zh: 演示, en: Demo}
category: violation
grade: IV
triggers:
  - checks: ["isolation.*"]
steps:
  - id: tell-group
    phase: report
    stage: initial
    role: duty_officer
    within: 1d
    notify: [coordination_group]
    text: {zh: 报告协调小组, en: Tell the group}
  - id: tell-cyberspace
    phase: report
    stage: initial
    role: coordination_group
    within: 2d
    after: [tell-group]
    notify: [cyberspace_office]
    text: {zh: 报告网信部门, en: Tell the cyberspace office}
"""


def test_ordered_steps_load_with_ids_stages_and_after(
    write_yaml: WriteYaml, contacts: Contacts
) -> None:
    pb = load_playbook(write_yaml(ORDERED), contacts, checks=CHECKS)
    assert [(s.id, s.stage, s.after) for s in pb.steps] == [
        ("tell-group", Stage.INITIAL, ()),
        ("tell-cyberspace", Stage.INITIAL, ("tell-group",)),
    ]


def test_a_report_due_before_the_step_that_feeds_it_is_refused(
    write_yaml: WriteYaml, contacts: Contacts
) -> None:
    # The antivirus-failure mistake: the group told at 1 d, the cyberspace office at 4 h.
    path = write_yaml(ORDERED.replace("    within: 2d\n", "    within: 4h\n"))
    assert_error(
        path, contacts, "within: 4h", "steps[1].within",
        "due within 4h, before step 'tell-group' that feeds it (within 1d, steps[0])",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "phrase"),
    [
        ("after: [tell-group]", "after: [tell-grup]", "after:", "steps[1].after[0]",
         "no step with id 'tell-grup' in this playbook (did you mean tell-group?)"),
        ("after: [tell-group]", "after: [tell-cyberspace]", "after:", "steps[1].after[0]",
         "cannot come after itself"),
        ("  - id: tell-cyberspace", "  - id: tell-group  # again", "# again", "steps[1].id",
         "duplicate step id 'tell-group' (first at steps[0])"),
        ("    after: [tell-group]\n", "", "notify: [cyberspace_office]", "steps[1].notify",
         "a report to cyberspace_office (outside the organisation) must name in after:"),
        ("stage: initial\n    role: coordination", "stage: first\n    role: coordination",
         "stage: first", "steps[1].stage", "expected one of initial, follow_up, final"),
        ("  - id: tell-group", "  - id: Tell_Group", "id: Tell_Group", "steps[0].id",
         "invalid step id"),
    ],
)  # fmt: skip
def test_bad_order_field_is_located(
    write_yaml: WriteYaml, contacts: Contacts, old: str, new: str, needle: str, field: str,
    phrase: str,
) -> None:  # fmt: skip
    assert old in ORDERED
    assert_error(write_yaml(ORDERED.replace(old, new, 1)), contacts, needle, field, phrase)


def test_every_packaged_playbook_keeps_its_order_and_has_start_and_end() -> None:
    # Loading runs check_step_order; here the rules the issue names, on the packaged files.
    contacts = load_contacts()
    for pb in load_playbooks():
        ids = {s.id: s for s in pb.steps}
        assert ids["activate"].phase is Phase.DISCOVER, pb.id  # 启动预案
        assert "close" in ids and ids["close"].phase is Phase.RECOVER, pb.id  # 应急结束
        assert pb.grading is not None and "领导小组" in pb.grading.zh + "".join(
            s.text.zh for s in pb.steps
        ), pb.id
        for step in pb.steps:
            for ref in step.after:
                assert step.within.nominal_minutes >= ids[ref].within.nominal_minutes
            if any(contacts.is_external(r) for r in step.notify):
                assert step.after, (pb.id, step.id)
        # 拍照固定 before any step that removes or takes away hardware.
        photo = [s.id for s in pb.steps if "拍照固定" in s.text.zh]
        for step in pb.steps:
            if (
                any(w in step.text.zh for w in ("拔掉", "拔出", "扣留", "收缴"))
                and step.id != "activate"
            ):
                assert set(step.after) & set(photo), (pb.id, step.id)
    # No grade raised by a number of machines alone (three intranet PCs are not 较大).
    for pb in load_playbooks():
        for rule in pb.escalation:
            assert rule.min_hosts is None or rule.zones, pb.id


def test_reports_follow_the_chinese_stages() -> None:
    by_id = {pb.id: pb for pb in load_playbooks()}
    leak = {s.id: s for s in by_id["classified-leak"].steps}
    admin = leak["report-secrecy-admin"]
    assert admin.within.text == "24h" and admin.stage is Stage.INITIAL
    assert {"secrecy_admin", "superior_department"} <= set(admin.notify)
    assert leak["final-report"].within.text == "3mo" and leak["final-report"].stage is Stage.FINAL
    police = {s.id: s for s in by_id["website-defacement"].steps}["report-police"]
    assert police.within.text == "24h" and police.notify == ("public_security",)
    av = {s.id: s for s in by_id["antivirus-failure"].steps}
    assert (
        av["report-internal"].within.nominal_minutes
        <= av["report-cyberspace"].within.nominal_minutes
    )
    for pb in by_id.values():
        cii = [s for s in pb.steps if s.when is not None and s.when.critical_infrastructure]
        for s in cii:
            assert s.within.text == "1h" and "cii_protection" in s.notify, pb.id
    iso = {s.id: s for s in by_id["isolation-breach"].steps}
    assert iso["disconnect"].after == ("photograph",)


def test_manual_playbooks_have_no_triggers_and_others_need_one(
    write_yaml: WriteYaml, contacts: Contacts
) -> None:
    manual = ORDERED.replace('triggers:\n  - checks: ["isolation.*"]\n', "manual: true\n")
    assert load_playbook(write_yaml(manual), contacts, checks=CHECKS).manual
    both = ORDERED.replace("triggers:\n", "manual: true\ntriggers:\n")
    assert_error(
        write_yaml(both), contacts, '- checks: ["isolation.*"]', "triggers", "a manual playbook"
    )
    neither = ORDERED.replace('triggers:\n  - checks: ["isolation.*"]\n', "")
    assert_error(write_yaml(neither), contacts, "id: ordered", "triggers", "manual: true")


def test_contacts_declare_the_organisation_and_external_bodies(write_yaml: WriteYaml) -> None:
    c = load_contacts()
    assert (c.critical_infrastructure, c.organisation_level) == (False, "county")
    assert {r for r in c.roles if c.is_external(r)} == {
        "cyberspace_office", "secrecy_admin", "superior_department", "cii_protection",
        "public_security",
    }  # fmt: skip
    path = write_yaml("organisation: 某局\norganisation_level: town\nroles: {}\n", "contacts.yaml")
    with pytest.raises(InputError) as exc:
        load_contacts(path)
    assert (exc.value.line, exc.value.field) == (2, "organisation_level")


def test_every_role_of_the_example_contacts_is_used_by_a_playbook() -> None:
    contacts = load_contacts()
    used: set[str] = set()
    for pb in load_playbooks(None, contacts):
        used |= set(pb.signoff)
        for step in pb.steps:
            used |= {step.role, *step.notify}
    assert set(contacts.roles) <= used, set(contacts.roles) - used
