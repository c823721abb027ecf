"""Checklists from results: which incidents, which hosts, which grade, which deadlines, and
output that is complete in both languages and safe against hostile host text."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import string
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from netguard.checklist import (
    Incident,
    add_months,
    add_offset,
    build_incidents,
    render_checklist_html,
    render_checklist_md,
    write_checklists,
)
from netguard.errors import InputError
from netguard.i18n import LANGS, catalog
from netguard.playbooks import (
    CATEGORIES,
    Contacts,
    Grade,
    Phase,
    Playbook,
    Stage,
    load_contacts,
    load_playbooks,
    parse_offset,
)
from netguard.results import Results, load_results, parse_results

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lab-results.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def contacts() -> Contacts:
    return load_contacts()


@pytest.fixture(scope="module")
def playbooks(contacts: Contacts) -> list[Playbook]:
    return load_playbooks(None, contacts)


# The fixture is regenerated with every lab run; pin its detection time (23:50:59 in Shanghai,
# so deadlines cross midnight) so the expected deadlines below stay true.
LAB_FINISHED = "2026-11-23T15:50:59.469410+00:00"


def lab_document() -> dict[str, Any]:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["run"]["finished"] = LAB_FINISHED
    return doc


@pytest.fixture(scope="module")
def lab() -> Results:
    return parse_results(lab_document(), str(FIXTURE))


def by_id(incidents: list[Incident]) -> dict[str, Incident]:
    return {i.playbook.id: i for i in incidents}


# -- results documents made to order ---------------------------------------------------------------


def host(name: str, *, zone: str = "intranet", status: str = "audited", **extra: Any) -> dict:
    doc = {
        "name": name, "address": "10.20.0.9", "segment": "office", "zone": zone, "os": "linux",
        "department": "办公室", "owner": "王芳", "location": "101", "status": status,
        "detail": "", "findings": [],
    }  # fmt: skip
    doc.update(extra)
    return doc


def finding(check: str, status: str = "fail", **extra: Any) -> dict:
    doc = {
        "check": check, "category": check.split(".")[0], "status": status,
        "severity": "critical", "title": f"title of {check}", "message": f"{check} failed",
        "evidence": {},
    }  # fmt: skip
    doc.update(extra)
    return doc


def results(*hosts: dict, finished: str = "2026-11-23T15:30:00+00:00") -> Results:
    return parse_results(
        {
            "schema": "netguard.results/1",
            "run": {"id": "r1", "started": "2026-11-23T15:29:00+00:00", "finished": finished},
            "hosts": list(hosts),
        },
        "<test>",
    )


# -- which incidents -------------------------------------------------------------------------------


def test_lab_fixture_gives_exactly_these_incidents(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    incidents = build_incidents(lab, playbooks, contacts)
    got = {i.playbook.id: [h.name for h in i.hosts] for i in incidents}
    assert got == {
        # every isolation failure is 违规外联; inet-pc's isolation checks are not_applicable
        "isolation-breach": ["dual-pc", "route-pc", "radio-pc", "fwd-pc"],
        "antivirus-failure": ["stale-av", "no-av"],
        "password-breach": ["pw-expired", "pw-norotate"],
        "unknown-machine": ["hang-pc", "down-pc", "newkey-pc"],  # timeout, unreachable, no key
        "unregistered-device": ["rekeyed-pc"],  # hostkey_mismatch
    }
    # Four intranet PCs are not 较大 by themselves (the grade follows the system's importance,
    # the loss and the impact, not a count): all general; most severe first, then by id.
    assert [(i.playbook.id, i.grade) for i in incidents] == [
        ("antivirus-failure", Grade.IV),
        ("isolation-breach", Grade.IV),
        ("password-breach", Grade.IV),
        ("unknown-machine", Grade.IV),
        ("unregistered-device", Grade.IV),
    ]
    found = by_id(incidents)
    assert [f.check for f in found["isolation-breach"].hosts[0].findings] == [
        "isolation.addresses",
        "isolation.multi_homed",
    ]
    assert [f.check for f in found["antivirus-failure"].hosts[1].findings] == [
        "antivirus.installed",
        "antivirus.running",
        "antivirus.signatures",
    ]
    rekeyed = found["unregistered-device"].hosts[0]
    assert rekeyed.status == "hostkey_mismatch" and [f.check for f in rekeyed.findings] == [
        "ssh.hostkey"
    ]
    assert found["unknown-machine"].hosts[1].detail.startswith("TCP connect to port 22")
    dual = found["isolation-breach"].hosts[0]
    assert (dual.address, dual.department, dual.owner, dual.location) == (
        "10.20.0.12", "财务科", "李强", "Room 102",
    )  # fmt: skip


def test_grade_raise_only_lists_the_step_for_that_grade(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    found = by_id(build_incidents(lab, playbooks, contacts))
    # "Grade III or above: report to the cyberspace office" is only on a grade III+ checklist.
    assert not any("cyberspace_office" in d.step.notify for d in found["isolation-breach"].steps)
    assert found["isolation-breach"].escalations == ()
    classified = results(host("s1", zone="classified", findings=[finding("isolation.wireless")]))
    (incident,) = build_incidents(classified, playbooks, contacts)
    assert incident.grade is Grade.II
    assert any("cyberspace_office" in d.step.notify for d in incident.steps)
    assert [r.reason.en for r in incident.escalations] == ["A classified machine is involved"]


@pytest.mark.parametrize(
    "hosts",
    [
        [],  # an empty fleet
        [host("ok-pc", findings=[finding("isolation.wireless", "pass")])],
        [host("web", zone="internet", findings=[finding("isolation.addresses", "not_applicable")])],
    ],
)
def test_no_incident_without_a_trigger(
    hosts: list[dict], playbooks: list[Playbook], contacts: Contacts, tmp_path: Path
) -> None:
    assert build_incidents(results(*hosts), playbooks, contacts) == []
    res = results(*hosts)
    assert write_checklists(res, "md", "zh", tmp_path / "out") == []
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_error_findings_do_not_trigger_fail_playbooks(
    playbooks: list[Playbook], contacts: Contacts
) -> None:
    res = results(host("pc", findings=[finding("isolation.wireless", "error")]))
    assert build_incidents(res, playbooks, contacts) == []


@pytest.mark.parametrize(
    ("check", "playbook"),
    [
        ("password.empty", "password-breach"),
        ("password.hash", "password-breach"),
        ("accounts.uid0", "password-breach"),  # a second root is an account incident too
        ("isolation.bridge", "isolation-breach"),
        ("isolation.tunnel", "isolation-breach"),
        ("isolation.history", "isolation-breach"),  # it was on another network: 违规外联
        # issue 12: the network sweep
        ("network.unregistered_device", "unregistered-device"),
        ("network.mac_changed", "unregistered-device"),
        ("network.bridged_zones", "isolation-breach"),
    ],
)
def test_the_checks_of_issue_11_trigger_their_playbook(
    check: str, playbook: str, playbooks: list[Playbook], contacts: Contacts
) -> None:
    res = results(host("pc", findings=[finding(check)]))
    assert [i.playbook.id for i in build_incidents(res, playbooks, contacts)] == [playbook]


def test_zone_filter(playbooks: list[Playbook], contacts: Contacts) -> None:
    # A pack that runs isolation checks on internet hosts does not make them 违规外联.
    res = results(host("web", zone="internet", findings=[finding("isolation.forwarding")]))
    assert build_incidents(res, playbooks, contacts) == []


# -- escalation ------------------------------------------------------------------------------------


def test_classified_zone_escalates_to_serious(
    playbooks: list[Playbook], contacts: Contacts
) -> None:
    res = results(host("secret-pc", zone="classified", findings=[finding("isolation.wireless")]))
    (incident,) = build_incidents(res, playbooks, contacts)
    assert incident.grade is Grade.II
    assert [r.reason.zh for r in incident.escalations] == ["涉及涉密计算机"]


def test_escalation_rules_apply_in_order_and_never_lower(
    playbooks: list[Playbook], contacts: Contacts
) -> None:
    # classified → II; the critical-infrastructure rule ("at least III") then does not lower it
    # and is not listed as a reason (it changed nothing).
    cii = dataclasses.replace(contacts, critical_infrastructure=True)
    hosts = [host(f"s{i}", zone="classified", findings=[finding("isolation.wireless")])
             for i in range(3)]  # fmt: skip
    (incident,) = build_incidents(results(*hosts), playbooks, cii)
    assert incident.grade is Grade.II and len(incident.escalations) == 1
    assert Grade.I.raised(1) is Grade.I and Grade.IV.raised(2) is Grade.II


def test_critical_infrastructure_raises_and_adds_the_one_hour_report(
    playbooks: list[Playbook], contacts: Contacts
) -> None:
    res = results(host("p1", findings=[finding("isolation.wireless")]))
    (plain,) = build_incidents(res, playbooks, contacts)
    assert plain.grade is Grade.IV and not any(d.step.id == "report-cii" for d in plain.steps)
    cii = dataclasses.replace(contacts, critical_infrastructure=True)
    (incident,) = build_incidents(res, playbooks, cii)
    assert incident.grade is Grade.III
    assert [r.reason.zh for r in incident.escalations] == ["本单位为关键信息基础设施运营者"]
    (step,) = [d for d in incident.steps if d.step.id == "report-cii"]
    assert step.step.within.text == "1h" and "public_security" in step.step.notify


def test_three_intranet_machines_stay_general(
    playbooks: list[Playbook], contacts: Contacts
) -> None:
    hosts = [host(f"p{i}", findings=[finding("isolation.forwarding")]) for i in range(3)]
    (incident,) = build_incidents(results(*hosts), playbooks, contacts)
    assert (incident.grade, incident.escalations) == (Grade.IV, ())


def test_grade_colours() -> None:
    assert [g.colour for g in Grade] == ["red", "orange", "yellow", "blue"]
    assert [g.rank for g in Grade] == [1, 2, 3, 4]


# -- deadlines -------------------------------------------------------------------------------------


def at(text: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_deadline_crosses_midnight() -> None:
    detected = at("2026-11-23 23:30", SHANGHAI)
    due = add_offset(detected, parse_offset("2h"), SHANGHAI)
    assert due == at("2026-11-24 01:30", SHANGHAI) and due.tzinfo is SHANGHAI


def test_utc_detection_shown_in_each_zone() -> None:
    detected = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    in_shanghai = add_offset(detected, parse_offset("30m"), SHANGHAI)
    in_new_york = add_offset(detected, parse_offset("30m"), NEW_YORK)
    assert in_shanghai == in_new_york  # the same instant …
    assert in_shanghai.strftime("%Y-%m-%d %H:%M %Z") == "2026-11-24 00:00 CST"  # … next day here
    assert in_new_york.strftime("%Y-%m-%d %H:%M %Z") == "2026-11-23 11:00 EST"
    # Calendar days are counted on the display zone's calendar.
    assert add_offset(detected, parse_offset("1d"), SHANGHAI) == at("2026-11-24 23:30", SHANGHAI)
    assert add_offset(detected, parse_offset("1d"), NEW_YORK) == at("2026-11-24 10:30", NEW_YORK)


def test_one_day_across_spring_forward_keeps_the_wall_clock() -> None:
    # US clocks jump from 02:00 EST to 03:00 EDT on 2026-03-08.
    detected = at("2026-03-07 09:00", NEW_YORK)
    one_day = add_offset(detected, parse_offset("1d"), NEW_YORK)
    assert (one_day.hour, one_day.minute, one_day.tzname()) == (9, 0, "EDT")
    # (Subtract in UTC: Python subtracts times of one zone on their wall clocks.)
    assert (one_day.astimezone(UTC) - detected).total_seconds() == 23 * 3600  # a 23-hour day
    twenty_four = add_offset(detected, parse_offset("24h"), NEW_YORK)
    assert (twenty_four.hour, twenty_four.tzname()) == (10, "EDT")  # 24 real hours
    assert (twenty_four.astimezone(UTC) - detected).total_seconds() == 24 * 3600


def test_wall_time_skipped_by_dst_moves_forward() -> None:
    due = add_offset(at("2026-03-07 02:30", NEW_YORK), parse_offset("1d"), NEW_YORK)
    assert (due.hour, due.minute, due.tzname()) == (3, 30, "EDT")


def test_repeated_wall_time_takes_the_earlier() -> None:
    # 2026-11-01 01:30 happens twice in New York; the deadline is the first (EDT).
    due = add_offset(at("2026-10-31 01:30", NEW_YORK), parse_offset("1d"), NEW_YORK)
    assert (due.hour, due.minute, due.tzname()) == (1, 30, "EDT")


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2026-01-31 10:00", 1, "2026-02-28 10:00"),
        ("2028-01-31 10:00", 1, "2028-02-29 10:00"),  # leap year
        ("2026-01-31 10:00", 3, "2026-04-30 10:00"),
        ("2026-11-30 23:50", 3, "2027-02-28 23:50"),  # across the year
        ("2026-08-31 08:00", 1, "2026-09-30 08:00"),
        ("2026-05-15 08:00", 12, "2027-05-15 08:00"),
    ],
)
def test_months_clamp_to_the_month_end(start: str, months: int, end: str) -> None:
    assert add_months(datetime.fromisoformat(start), months) == datetime.fromisoformat(end)
    due = add_offset(at(start, SHANGHAI), parse_offset(f"{months}mo"), SHANGHAI)
    assert due == at(end, SHANGHAI)


def test_months_across_dst_keep_the_wall_clock() -> None:
    due = add_offset(at("2026-02-15 09:00", NEW_YORK), parse_offset("3mo"), NEW_YORK)
    assert (due.month, due.day, due.hour, due.tzname()) == (5, 15, 9, "EDT")


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_offset(datetime(2026, 1, 1), parse_offset("1h"), SHANGHAI)


def test_incident_deadlines_use_the_display_zone(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    detected = lab.detected  # 2026-11-23 15:50:59 UTC
    shanghai = by_id(build_incidents(lab, playbooks, contacts))["isolation-breach"]
    new_york = by_id(build_incidents(lab, playbooks, contacts, tz="America/New_York"))[
        "isolation-breach"
    ]
    assert shanghai.tz.key == "Asia/Shanghai" and new_york.tz.key == "America/New_York"
    assert shanghai.detected == detected == new_york.detected
    assert shanghai.file_stem == "checklist-20261123-2350-isolation-breach"
    assert new_york.file_stem == "checklist-20261123-1050-isolation-breach"
    for s, n in zip(shanghai.steps, new_york.steps, strict=True):
        assert s.step is n.step
        if s.step.within.unit in ("m", "h"):
            assert s.deadline == n.deadline  # elapsed time does not depend on the zone
    # Steps are ordered by phase, then deadline.
    keys = [(d.step.phase.order, d.deadline) for d in shanghai.steps]
    assert keys == sorted(keys)
    first = shanghai.steps[0]
    assert (first.step.phase, first.step.within.text) == (Phase.DISCOVER, "15m")
    assert first.deadline.strftime("%Y-%m-%d %H:%M") == "2026-11-24 00:05"  # next day
    last = shanghai.steps[-1]
    assert (last.step.within.text, last.deadline.strftime("%Y-%m-%d %H:%M")) == (
        "3mo", "2027-02-23 23:50",
    )  # fmt: skip


def test_unknown_display_zone(lab: Results, playbooks: list[Playbook], contacts: Contacts) -> None:
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus'"):
        build_incidents(lab, playbooks, contacts, tz="Mars/Olympus")


def test_contacts_without_a_role_a_playbook_uses(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    roles = {k: v for k, v in contacts.roles.items() if k != "secrecy_office"}
    fewer = Contacts(contacts.organisation, contacts.timezone, roles)
    with pytest.raises(InputError) as exc:
        build_incidents(lab, playbooks, fewer)
    assert exc.value.file and exc.value.file.endswith(".yaml") and exc.value.line
    assert "secrecy_office" in exc.value.message


# -- rendering: both languages, complete -----------------------------------------------------------


def test_checklist_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    keys = {k for k in en.messages if k.startswith("checklist.")}
    assert keys == {k for k in zh.messages if k.startswith("checklist.")}

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    for k in keys:
        assert fields(zh.messages[k]) == fields(en.messages[k]), k
    for lang_catalog in (zh, en):
        for cat in CATEGORIES:
            assert lang_catalog.has(f"checklist.category_name.{cat}")
        for g in Grade:
            assert lang_catalog.has(f"checklist.grade_name.{g}")
            assert not lang_catalog.has(f"checklist.colour.{g.colour}")  # 初判: no colour
        for stage in Stage:
            assert lang_catalog.has(f"checklist.stage.{stage}")
        for p in Phase:
            assert lang_catalog.has(f"checklist.phase.{p}")
        for unit in ("m", "h", "d", "mo"):
            assert lang_catalog.has(f"checklist.offset.{unit}")


@pytest.mark.parametrize("lang", LANGS)
def test_every_lab_incident_renders_in_both_formats(
    lang: str, lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    for incident in build_incidents(lab, playbooks, contacts):
        md = render_checklist_md(incident, lang)
        html = render_checklist_html(incident, lang)
        name = incident.playbook.name.get(lang)
        for doc in (md, html):
            assert name in doc
            for h in incident.hosts:
                assert h.name in doc
            for due in incident.steps:
                assert due.deadline.strftime("%H:%M") in doc
        assert md.count("☐") == len(incident.steps)
        assert (
            html.count('class="tick"') == len(incident.steps) + len(incident.playbook.evidence) + 1
        )


ZH_WORDS = (
    "违规外联", "保密工作机构", "网络与信息安全协调小组", "值班员", "处置步骤", "截止时间",
    "签名", "初判等级", "一般（IV级）——须经领导小组确认", "分级依据", "违规操作事件", "不得格式化",
    "2026年11月24日 00:05", "北京时间", "检查批次", "检查结果文件", "拍照固定", "应急结束",
    "李强", "财务科", "Room 102", "24小时", "3个月",
)  # fmt: skip


def test_chinese_checklist_words(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    breach = by_id(build_incidents(lab, playbooks, contacts))["isolation-breach"]
    for doc in (render_checklist_md(breach, "zh"), render_checklist_html(breach, "zh")):
        for word in ZH_WORDS:
            assert word in doc, word
    html = render_checklist_html(breach, "zh")
    assert '<html lang="zh-CN">' in html and '<span class="grade-badge">' in html
    for doc in (render_checklist_md(breach, "zh"), html):
        for word in ("预警", "CST", "审计编号", "使用人", "Asia/Shanghai"):
            assert word not in doc, word


def test_english_checklist_words(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    breach = by_id(build_incidents(lab, playbooks, contacts))["isolation-breach"]
    md = render_checklist_md(breach, "en")
    for word in ("Isolation breach", "Secrecy office", "Preliminary grade",
                 "IV (General) — to be confirmed by the leading group", "Deadline", "Signature",
                 "Do NOT wipe", "2026-11-24 00:05", "Beijing time"):  # fmt: skip
        assert word in md, word


# -- hostile host text -----------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>"


def hostile_results() -> Results:
    bad = host(
        HOSTILE,
        address="10.0.0.1|x",
        department="# heading | cell ` tick",
        owner="[link](http://evil)\nsecond line",
        location="<img src=x onerror=alert(2)>",
        findings=[
            finding(
                "isolation.wireless",
                message=f"radio {HOSTILE} | `x`",
                evidence={"name": f"```\n{HOSTILE}\n````", "n": "| # `"},
            )
        ],
    )
    return results(bad)


def test_hostile_text_is_escaped_in_markdown(playbooks: list[Playbook], contacts: Contacts) -> None:
    (incident,) = build_incidents(hostile_results(), playbooks, contacts)
    md = render_checklist_md(incident, "en")
    outside, fences = [], 0
    lines = md.splitlines()
    fence_re = re.compile(r"^(`{3,})")
    open_fence = ""
    for line in lines:
        m = fence_re.match(line)
        if open_fence:
            if m and m.group(1) == open_fence and line.strip() == open_fence:
                open_fence = ""
            continue
        if m:
            open_fence, fences = m.group(1), fences + 1
            assert len(open_fence) >= 5  # longer than the 4-backtick run in the evidence
            continue
        outside.append(re.sub(r"^(> ?|- \[ \] )", "", line))  # our quote and task markers
    assert fences == 1 and not open_fence
    text = "\n".join(outside)
    # Outside the fenced evidence, every <, >, [, ], ` and | from the host is escaped.
    assert not re.search(r"(?<!\\)[<>\[\]`]", text)
    assert not re.search(r"(?<!\\)\]\(", text)  # no link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # No line starts with host text, and no host text adds a table column.
    assert not any(line.startswith("# heading") for line in lines)
    table = [line for line in outside if line.startswith("| 1 |")]
    assert len(table) == 1
    unescaped_pipes = re.findall(r"(?<!\\)\|", table[0])
    assert len(unescaped_pipes) == 10  # 9 columns
    assert "second line" in table[0]  # the newline became a space inside the cell


def test_hostile_text_is_escaped_in_html(playbooks: list[Playbook], contacts: Contacts) -> None:
    (incident,) = build_incidents(hostile_results(), playbooks, contacts)
    html = render_checklist_html(incident, "en")
    assert HOSTILE not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert html.count("<script") == 0  # the checklist needs no script at all


def test_long_host_text_is_capped(playbooks: list[Playbook], contacts: Contacts) -> None:
    res = results(host("pc", owner="x" * 5000, findings=[finding("isolation.wireless")]))
    (incident,) = build_incidents(res, playbooks, contacts)
    md = render_checklist_md(incident, "zh")
    assert "x" * 200 not in md and "x" * 150 in md


# -- files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_write_checklists(fmt: str, tmp_path: Path) -> None:
    lab_copy = tmp_path / "lab.json"
    lab_copy.write_text(json.dumps(lab_document(), ensure_ascii=False), encoding="utf-8")
    paths = write_checklists(load_results(lab_copy), fmt, "zh", tmp_path / "out")
    assert [p.name for p in paths] == [
        f"checklist-20261123-2350-{pid}.{fmt}"
        for pid in ("antivirus-failure", "isolation-breach", "password-breach",
                    "unknown-machine", "unregistered-device")
    ]  # fmt: skip
    # Nothing else in the folder: no temporary files left behind.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    digest = hashlib.sha256(lab_copy.read_bytes()).hexdigest()
    assert digest in paths[0].read_text(encoding="utf-8")


def test_write_checklists_with_other_contacts_and_zone(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.yaml"
    text = (Path(load_contacts().path)).read_text(encoding="utf-8")
    contacts.write_text(
        text.replace("timezone: Asia/Shanghai", "timezone: America/New_York").replace(
            "duty_phone: ''", "duty_phone: '0571-12345678'"
        ),
        encoding="utf-8",
    )
    res = results(host("pc", findings=[finding("password.age")]))
    (path,) = write_checklists(res, "md", "en", tmp_path, contacts_path=contacts)
    assert path.name == "checklist-20261123-1030-password-breach.md"
    body = path.read_text(encoding="utf-8")
    assert "0571-12345678" in body and r"America/New\_York" in body
    (utc,) = write_checklists(res, "md", "en", tmp_path, contacts_path=contacts, tz=ZoneInfo("UTC"))
    assert utc.name == "checklist-20261123-1530-password-breach.md"


def test_write_checklists_refuses_bad_options(tmp_path: Path, lab: Results) -> None:
    with pytest.raises(InputError, match="unknown checklist format 'docx'"):
        write_checklists(lab, "docx", "zh", tmp_path)
    with pytest.raises(InputError, match="unknown language 'fr'"):
        write_checklists(lab, "md", "fr", tmp_path)
    with pytest.raises(InputError, match="playbook folder not found"):
        write_checklists(lab, "md", "zh", tmp_path, playbooks_dir=tmp_path / "none")


def test_finding_messages_in_each_language(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    doc = lab_document()
    for h in doc["hosts"]:  # results from before message ids: the check's own words
        for f in h["findings"]:
            f.pop("reason", None)
            f.pop("args", None)
    old = by_id(build_incidents(parse_results(doc, "old"), playbooks, contacts))
    msg = old["password-breach"].hosts[0].findings[0].message
    assert msg.zh == msg.en == "password not changed within 90 days: zhangwei (200 days ago)"
    new = by_id(build_incidents(lab, playbooks, contacts))
    finding = new["password-breach"].hosts[0].findings[0]
    assert finding.message.zh != finding.message.en and "zhangwei" in finding.message.zh
    assert finding.title.zh != finding.title.en


# -- PDF -------------------------------------------------------------------------------------------


@pytest.mark.browser("pdftotext")
def test_pdf_checklist_carries_the_chinese_text(tmp_path: Path, lab: Results) -> None:
    from netguard.render.pdf import html_to_pdf

    incidents = build_incidents(lab, load_playbooks(), load_contacts())
    breach = by_id(incidents)["isolation-breach"]
    pdf = tmp_path / "checklist.pdf"
    html_to_pdf(render_checklist_html(breach, "zh"), pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    compact = re.sub(r"\s+", "", text)
    for word in ("应急处置检查单", "违规外联", "保密工作机构", "dual-pc", "李强"):
        assert word in compact, word


def test_one_zone_per_document_named_as_the_glossary_says(
    lab: Results, playbooks: list[Playbook], contacts: Contacts
) -> None:
    breach = by_id(build_incidents(lab, playbooks, contacts, "America/New_York"))
    doc = render_checklist_md(breach["isolation-breach"], "zh")
    assert "北京时间" not in doc and "CST" not in doc and "EST" not in doc
    assert "时区 America/New\\_York，UTC−05:00" in doc and "（UTC−05:00）" in doc
    chongqing = by_id(build_incidents(lab, playbooks, contacts, "Asia/Chongqing"))
    assert "截止时间为北京时间" in render_checklist_md(chongqing["isolation-breach"], "zh")


def test_a_phone_incident_renders_without_findings_in_html(contacts: Contacts) -> None:
    from netguard.checklist import build_reported_incident, reported_hosts
    from netguard.inventory import load_inventory

    inventory = load_inventory(Path(__file__).resolve().parents[2] / "inventory" / "example.yaml")
    (pb,) = [p for p in load_playbooks(None, contacts) if p.id == "classified-leak"]
    when = datetime(2026, 11, 24, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    incident = build_reported_incident(
        pb, reported_hosts(inventory, ["secret-pc-01"]), inventory, contacts, when
    )
    assert incident.grade is Grade.II and not incident.audited
    html = render_checklist_html(incident, "zh")
    assert "电话报告，未经检查" in html and "发现的问题和检查证据" not in html
    assert "【初报】" in html and "【终报】" in html and "保密行政管理部门" in html
    with pytest.raises(InputError, match="no machine named 'ghost'"):
        reported_hosts(inventory, ["ghost"])
