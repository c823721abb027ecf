"""Three nightly audits of a small office with changes in between, recorded in the history:
`netguard history`, `netguard diff` and the report's trend must tell exactly what changed.

Night 1: as built. Before night 2: the open machine turns IP forwarding on, the stale password
is changed, the machine with a Wi-Fi card is unplugged. Before night 3: it is plugged back in,
and a waivers file approves the never-expiring password (valid) and forwarding (expired).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.netlab import INTRANET, Account, HostSpec, Lab, small_office

HOSTS = (
    HostSpec("good-pc", "10.20.0.11", INTRANET, department="办公室", owner="王芳", location="101"),
    HostSpec(
        "stale-pw", "10.20.0.12", INTRANET, department="法制科", owner="张伟", location="108",
        accounts=(Account("zhangwei", 1000, changed_days_ago=200),),
    ),
    HostSpec(
        "flaky-pc", "10.20.0.13", INTRANET, department="信息中心", owner="孙磊", location="104",
        wireless=("wlan0",),
    ),
    HostSpec(
        "steady-pc", "10.20.0.14", INTRANET, department="办公室", owner="刘洋", location="109",
        accounts=(Account("liuyang", 1000, max_days=99999),),
    ),
)  # fmt: skip


@pytest.fixture(scope="module")
def office() -> Iterator[Lab]:
    with small_office(HOSTS) as lab:
        yield lab


def netguard(lab: Lab, *args: str, history: Path) -> tuple[int, str, str]:
    proc = lab.run_in_auditor(
        [sys.executable, "-m", "netguard", *args, "--history", str(history)], timeout=180
    )
    return proc.returncode, proc.stdout, proc.stderr


def pairs(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(i["host"], i["check"]) for i in items}


@pytest.fixture(scope="module")
def nights(office: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("nights")
    history = tmp / "history.sqlite"

    hook = tmp / "hook.py"  # the office's duty-phone gateway: keeps what it was sent
    hook.write_text(
        "import sys, pathlib\n"
        "pathlib.Path(sys.argv[1]).write_text(sys.stdin.read(), encoding='utf-8')\n",
        encoding="utf-8",
    )

    def audit(night: int, *extra: str) -> None:
        notify = f"{sys.executable} {hook} {tmp / f'notified{night}.json'}"
        rc, _, err = netguard(
            office, "audit", str(office.inventory_path), "--format", "json",
            "-o", str(tmp / f"night{night}.json"), "-q", "--notify", notify, *extra,
            history=history,
        )  # fmt: skip
        assert rc == 1, err  # every night has failing findings

    audit(1)
    office.set_forwarding("good-pc", True)
    office.set_password_changed("stale-pw", "zhangwei", days_ago=0)
    office.set_cable("flaky-pc", plugged=False)
    audit(2)
    office.set_cable("flaky-pc", plugged=True)
    today = dt.date.today()
    waivers = tmp / "waivers.yaml"
    waivers.write_text(
        f"""
waivers:
  - host: steady-pc
    check: password.max_age
    reason: 共享值班账户，口令由保密员保管，年底前改造
    approver: 李主任
    approved: {today - dt.timedelta(days=3)}
    expires: {today + dt.timedelta(days=30)}
  - host: good-pc
    check: isolation.forwarding
    reason: 临时测试转发
    approver: 李主任
    approved: {today - dt.timedelta(days=20)}
    expires: {today - dt.timedelta(days=1)}
""",
        encoding="utf-8",
    )
    audit(3, "--waivers", str(waivers))
    return {"tmp": tmp, "history": history}


def test_history_lists_the_three_nights(office: Lab, nights: dict[str, Any]) -> None:
    rc, out, err = netguard(office, "history", "--format", "json", history=nights["history"])
    assert rc == 0, err
    runs = json.loads(out)
    assert [r["complete"] for r in runs] == [True, True, True]
    # newest first: night 3, 2, 1
    assert [(r["audited"], r["failing"], r["unknown"], r["waived"]) for r in runs] == [
        (4, 2, 0, 1),  # good-pc (its waiver expired), flaky-pc; steady-pc waived
        (3, 2, 1, 0),  # good-pc, steady-pc failing; flaky-pc unplugged
        (4, 3, 0, 0),  # stale-pw, flaky-pc, steady-pc
    ]


def test_diff_of_the_last_two_nights_is_night_2_to_3(office: Lab, nights: dict[str, Any]) -> None:
    rc, out, err = netguard(office, "diff", "--format", "json", history=nights["history"])
    d = json.loads(out)
    assert pairs(d["newly_waived"]) == {("steady-pc", "password.max_age")}
    assert pairs(d["persisting"]) == {("good-pc", "isolation.forwarding")}
    assert {h["host"] for h in d["came_back"]} == {"flaky-pc"}
    # Not seen in night 2 (unplugged), failing in night 3: new to this diff — the same machine
    # is also listed as came_back, so a reader sees it is not a fresh breach.
    assert pairs(d["new"]) == {("flaky-pc", "isolation.wireless")}
    assert d["became_unknown"] == [] and d["resolved"] == []
    assert rc == d["exit_status"], err


def test_diff_of_night_1_to_2(office: Lab, nights: dict[str, Any]) -> None:
    rc, out, err = netguard(
        office, "diff", "-3", "-2", "--format", "json", history=nights["history"]
    )
    d = json.loads(out)
    assert pairs(d["new"]) == {("good-pc", "isolation.forwarding")}
    assert pairs(d["resolved"]) == {("stale-pw", "password.age")}
    assert pairs(d["persisting"]) == {("steady-pc", "password.max_age")}
    # Unplugged is not fixed: its failing check is unverified, never resolved.
    assert pairs(d["unverified"]) == {("flaky-pc", "isolation.wireless")}
    assert [(h["host"], h["after"]) for h in d["became_unknown"]] == [("flaky-pc", "unreachable")]
    assert d["came_back"] == []
    assert rc == 1, err


def test_expired_waiver_is_reported_and_does_not_apply(nights: dict[str, Any]) -> None:
    doc = json.loads((nights["tmp"] / "night3.json").read_text(encoding="utf-8"))
    status = {(h["name"], f["check"]): f["status"] for h in doc["hosts"] for f in h["findings"]}
    assert status[("steady-pc", "password.max_age")] == "waived"
    assert status[("good-pc", "isolation.forwarding")] == "fail"
    assert [(w["host"], w["check"]) for w in doc["waivers"]["expired"]] == [
        ("good-pc", "isolation.forwarding")
    ]


def test_the_hook_hears_only_critical_findings_new_since_the_night_before(
    nights: dict[str, Any],
) -> None:
    def told(night: int) -> set[tuple[str, str]] | None:
        path = nights["tmp"] / f"notified{night}.json"
        if not path.exists():
            return None
        payload = json.loads(path.read_text(encoding="utf-8"))
        assert payload["schema"] == "netguard.notify/1"
        return {(f["host"]["name"], f["check"]) for f in payload["findings"]}

    assert told(1) == {("flaky-pc", "isolation.wireless")}  # critical; nothing recorded before
    assert told(2) is None  # forwarding is high, not critical: the hook is not run at all
    assert told(3) == {("flaky-pc", "isolation.wireless")}  # unseen the night it was unplugged


def test_report_of_the_last_night_shows_the_three_night_trend(
    office: Lab, nights: dict[str, Any]
) -> None:
    out = nights["tmp"] / "trend.md"
    rc, _, err = netguard(
        office, "report", "--run", "latest", "--format", "md", "--lang", "zh", "-o", str(out),
        history=nights["history"],
    )  # fmt: skip
    assert rc == 0, err
    text = out.read_text(encoding="utf-8")
    assert "## 合规率与覆盖率趋势" in text
    # compliance 1/4 → 0/4 (one unplugged, two failing) → 2/4 (steady-pc waived, stale-pw fixed)
    assert "合规率 25.0% → 50.0%" in text
    assert "（本次）" in text
