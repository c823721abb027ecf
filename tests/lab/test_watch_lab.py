"""Policy files' checks read over real SSH: a rule file's files, directory, process list and one
allowed command, read by the fixed script on a real sshd machine of the lab through the audit's
own runner, and back as Watched facts. The machine's files are unchanged afterwards; without
``--allow-policy-commands`` the command is only named, as not allowed, and does not run."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.netlab import DEFAULT_HASH, INTRANET, HostSpec, Lab, small_office

HOST = "watch-pc"
BASE = "/root/ngwatch"  # the machine's own /root: nothing of the auditor's
MARKS = "/root/ngmarks"  # what the allowed command leaves, outside what is watched

#: Run in the auditor namespace: the lab's inventory, the packaged policy with one rule file
#: built in Python (argv[2]: its rules), the audit's runner with a sink keeping the output; prints
#: the host's status and its Watched facts as JSON.
_AUDIT = r"""
import dataclasses, json, sys
from netguard.checks import CATALOG
from netguard.collect.parse_linux import parse_linux
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.inventory import load_inventory
from netguard.model import Severity
from netguard.policy import default_policy_path, load_policy
from netguard.sca.model import Condition, PolicyCheck, Rule, RuleFile, RuleKind

inventory_path, spec, allowed = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
rules = tuple(Rule(f"{k}:{t}", RuleKind(k), (t,), line=i + 1) for i, (k, t) in enumerate(spec))
check = PolicyCheck("lab.1", "1", {"en": "lab"}, Condition.ALL, rules, "sca", Severity.LOW)
rf = RuleFile("wazuh-sca", "lab", "lab", "/policies/lab.yml", "0" * 64, (check,))
policy = dataclasses.replace(load_policy(default_policy_path(), CATALOG), rule_files=(rf,))
outputs = {}
job = AuditJob(
    load_inventory(inventory_path),
    policy,
    AuditOptions(workers=1, commands_allowed_for=frozenset({rf.path} if allowed else ())),
    sink=lambda host, coll: outputs.__setitem__(host.name, coll.stdout),
)
(result,) = run_audit(job).results
facts = parse_linux(outputs[result.host.name])
watched = None if facts.watched is None else dataclasses.asdict(facts.watched)
print(json.dumps({"status": str(result.status), "watched": watched,
                  "problem": facts.problems.get("watched")}))
"""

SETUP = f"""
set -e
mkdir -p {BASE}/conf.d/sub {MARKS}
printf 'PermitRootLogin no\\nPort 22\\n' > {BASE}/sshd_config
printf 'net.ipv4.ip_forward = 0\\n' > {BASE}/conf.d/10-forward.conf
printf 'x\\n' > '{BASE}/conf.d/we
ird.conf'
printf 'kernel.sysrq = 0\\n' > {BASE}/conf.d/sub/20-sysrq.conf
ln -sf /nonexistent {BASE}/conf.d/dangling
ln -sf /etc/shadow {BASE}/conf.d/shadow-link
touch -d '2020-01-02 03:04:05' {BASE}/sshd_config {BASE}/conf.d/10-forward.conf
"""
#: what the machine's watched files are: names, sizes, modes, modification and change times,
#: content digests (not access times: reading a file may update its atime, by design)
SNAPSHOT = (
    f"find {BASE} -exec stat -c '%n|%s|%a|%Y|%Z' {{}} + | sort; "
    f"find {BASE} -type f -exec md5sum {{}} + | sort"
)

RULES = [
    ["f", f"{BASE}/sshd_config"],
    ["f", f"{BASE}/missing.conf"],
    ["f", "/etc/shadow"],
    ["d", f"{BASE}/conf.d"],
    ["p", "sshd"],
    ["c", f"touch {MARKS}/ran; echo hello; id -u"],
]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with small_office([HostSpec(HOST, "10.20.0.11", INTRANET)]) as lab:
        lab.run_in_host(HOST, SETUP)
        yield lab


def _audit(lab: Lab, allowed: bool) -> dict[str, Any]:
    proc = lab.run_in_auditor(
        [
            sys.executable,
            "-c",
            _AUDIT,
            str(lab.inventory_path),
            json.dumps(RULES),
            str(int(allowed)),
        ],
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: dict[str, Any] = json.loads(proc.stdout)
    assert out["status"] == "audited", out
    assert out["watched"] is not None, out["problem"]
    return out["watched"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def audits(lab: Lab) -> dict[str, Any]:
    before = lab.run_in_host(HOST, SNAPSHOT)
    denied = _audit(lab, allowed=False)
    ran_without = lab.run_in_host(HOST, f"ls {MARKS}")
    allowed = _audit(lab, allowed=True)
    after = lab.run_in_host(HOST, SNAPSHOT)
    return {
        "before": before, "after": after, "denied": denied, "allowed": allowed,
        "ran_without": ran_without, "ran_with": lab.run_in_host(HOST, f"ls {MARKS}"),
    }  # fmt: skip


def test_files_directory_and_processes_come_back_right(audits: dict[str, Any]) -> None:
    w = audits["allowed"]
    cfg = w["files"][f"{BASE}/sshd_config"]
    assert cfg["kind"] == "file" and cfg["lines"] == ["PermitRootLogin no", "Port 22"]
    assert not cfg["truncated"]
    assert w["files"][f"{BASE}/missing.conf"]["kind"] == "missing"
    conf = w["directories"][f"{BASE}/conf.d"]
    assert conf["kind"] == "directory" and not conf["truncated"]
    entries = {e["path"].removeprefix(f"{BASE}/conf.d/"): e for e in conf["entries"]}
    assert entries["10-forward.conf"]["lines"] == ["net.ipv4.ip_forward = 0"]
    assert entries["we\nird.conf"]["lines"] == ["x"]
    assert entries["sub"]["kind"] == "directory"
    assert entries["sub/20-sysrq.conf"]["lines"] == ["kernel.sysrq = 0"]
    assert entries["dangling"]["kind"] == "missing"
    # the machine's own PID namespace: its sshd (which sets its own title) and this session
    procs = w["processes"]
    assert any(p.startswith("sshd: /usr/sbin/sshd -D") for p in procs), procs
    assert "sshd: root@notty" in procs and "/bin/sh -s" in procs


def test_password_hashes_never_leave_the_machine_whatever_a_rule_names(
    audits: dict[str, Any],
) -> None:
    w = audits["allowed"]
    shadow = w["files"]["/etc/shadow"]["lines"]
    via_link = next(
        e for e in w["directories"][f"{BASE}/conf.d"]["entries"] if e["path"].endswith("link")
    )
    assert via_link["lines"] == shadow  # a symlink to it is read the same way
    (user,) = [line for line in shadow if line.startswith("user:")]
    method = DEFAULT_HASH[: DEFAULT_HASH.index("$", 1) + 1]
    assert user.split(":")[1] == f"{method}REDACTED"  # the method only, as the checks read it
    assert DEFAULT_HASH not in json.dumps(w)


def test_the_allowed_command_ran_once_with_its_text_and_output(audits: dict[str, Any]) -> None:
    w = audits["allowed"]
    assert w["commands_allowed"]
    (cmd,) = w["commands"].values()
    assert cmd["command"] == RULES[-1][1]  # the text as the rule gives it: kept in evidence
    assert cmd["ran"] and cmd["exit_status"] == 0 and not cmd["timed_out"]
    assert cmd["lines"] == ["hello", "0"]
    assert audits["ran_with"].split() == ["ran"]


def test_without_the_allow_the_command_is_named_and_does_not_run(audits: dict[str, Any]) -> None:
    w = audits["denied"]
    assert not w["commands_allowed"]
    (cmd,) = w["commands"].values()  # named by the output itself: a replay needs no more
    assert cmd["command"] == RULES[-1][1] and not cmd["ran"] and cmd["not_run"] == "not_allowed"
    assert audits["ran_without"].strip() == ""  # the command would have left its mark
    assert w["files"] == audits["allowed"]["files"]  # the rest is read all the same


def test_the_machine_s_files_are_unchanged(audits: dict[str, Any]) -> None:
    assert audits["before"] == audits["after"]
    assert f"{BASE}/sshd_config|" in audits["before"]  # the snapshot did see the files
