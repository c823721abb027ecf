"""What every verb's ``--help`` ends with: two or three examples and its exit codes (issue 15).

One table, so the examples stay next to each other and the exit codes are said with the same
words everywhere (README, "Exit codes"); ``tests/cli/test_help.py`` checks every verb has its
epilog and every option its help.
"""

from __future__ import annotations

import argparse

#: The exit codes of a verb that runs or judges an audit (README, "Exit codes").
AUDIT_EXITS = """\
  0    every host audited and every applicable check passed
  1    at least one failing finding (a changed host key included)
  2    bad input (inventory, policy, key files, options): nothing was written
  3    no failures, but some hosts or checks are unknown (not audited, undecided)
  4    a report or checklist could not be produced (e.g. PDF without Chromium)
  130  interrupted: nothing was written"""

#: The same, for a verb that writes no report or checklist (discover, correlate).
JUDGE_EXITS = "\n".join(line for line in AUDIT_EXITS.splitlines() if not line.startswith("  4"))

#: The exit codes of a verb that writes a document from results.
DOCUMENT_EXITS = """\
  0    written
  2    bad input (results file, history run, options): nothing was written
  4    the document could not be produced (e.g. PDF without Chromium)
  130  interrupted"""

#: The exit codes of a verb that checks or makes something.
PLAIN_EXITS = """\
  0    done (valid)
  2    bad input, said at FILE:LINE: field where it lies: nothing was written
  130  interrupted"""

#: verb (as typed, "history import") → (examples, exit codes)
EPILOGS: dict[str, tuple[tuple[str, ...], str]] = {
    "audit": (
        (
            "netguard audit inventory/office.yaml --report html --syslog-to tls://siem.example",
            "netguard audit inventory/office.yaml --limit 'fin-*' --limit 财务科 -q",
            "netguard audit --replay 检查-2026-11-23 -p newer.yaml --trusted-key inspector.pub",
        ),
        AUDIT_EXITS,
    ),
    "report": (
        (
            "netguard report results.json --format md --lang zh",
            "netguard report --run latest --format pdf -o 报告.pdf",
        ),
        DOCUMENT_EXITS,
    ),
    "checklist": (
        (
            "netguard checklist results.json --format html -o reports/",
            "netguard checklist --incident isolation-breach --host fin-pc-07 "
            "--inventory inventory/office.yaml",
        ),
        DOCUMENT_EXITS,
    ),
    "export": (
        (
            "netguard export results.json --format sarif -o results.sarif",
            "netguard export --run latest --format syslog --to tls://siem.example:6514",
        ),
        DOCUMENT_EXITS,
    ),
    "inventory": (
        (
            "netguard inventory check inventory/office.yaml",
            "netguard inventory import hosts.ini --map mapping.yaml -o inventory/office.yaml",
        ),
        PLAIN_EXITS,
    ),
    "inventory check": (
        (
            "netguard inventory check inventory/office.yaml",
            "netguard inventory check 台账.xlsx --map mapping.yaml",
        ),
        PLAIN_EXITS,
    ),
    "inventory import": (
        (
            "netguard inventory import hosts.ini --map mapping.yaml -o inventory/office.yaml",
            "netguard inventory import 台账.csv --map mapping.yaml",
        ),
        """\
  0    every host or row imported
  2    nothing usable (each problem listed at SOURCE:LINE): nothing was written
  3    written, but some hosts or rows were left out (listed on standard error)
  130  interrupted""",
    ),
    "policy": (
        ("netguard policy check", "netguard policy check policies/secret.yaml"),
        PLAIN_EXITS,
    ),
    "policy check": (
        ("netguard policy check", "netguard policy check policies/secret.yaml"),
        PLAIN_EXITS,
    ),
    "checks": (("netguard checks", "netguard checks --lang zh"), PLAIN_EXITS),
    "waivers": (("netguard waivers check policies/waivers/example.yaml",), PLAIN_EXITS),
    "waivers check": (
        (
            "netguard waivers check policies/waivers/example.yaml",
            "netguard waivers check waivers.yaml --lang zh",
        ),
        PLAIN_EXITS,
    ),
    "schedule": (
        (
            "netguard schedule inventory/office.yaml --at 09:30,14:30 --report html",
            "netguard schedule inventory/office.yaml --kind cron --days daily",
            "sudo netguard schedule 台账.xlsx --map mapping.yaml --install --enable",
        ),
        PLAIN_EXITS,
    ),
    "history": (
        (
            "netguard history -n 10",
            "netguard history --format json",
            "netguard history import results.json",
        ),
        PLAIN_EXITS,
    ),
    "history import": (
        (
            "netguard history import results.json",
            "netguard history --history h.sqlite import r.json",
        ),
        PLAIN_EXITS,
    ),
    "diff": (
        ("netguard diff", "netguard diff previous latest --format json"),
        """\
  0    nothing got worse
  1    new failing findings (or a waiver ended on a failing check)
  2    bad input (no such run, no history): nothing was written
  3    nothing new fails, but something can no longer be verified""",
    ),
    "spot-check": (
        (
            "netguard spot-check inventory/office.yaml --sample 10% --by department --plan",
            "netguard spot-check inventory/office.yaml --sample 12 --key inspector.key -o 抽查",
            "netguard spot-check inventory/county.yaml --sample 3 --limit '*财务*' --plan",
        ),
        AUDIT_EXITS,
    ),
    "inspect": (
        (
            "netguard inspect --zone intranet --key inspector.key",
            "netguard inspect --inventory office.yaml --host fin-pc-07 --unsigned -o 检查",
        ),
        AUDIT_EXITS,
    ),
    "verify": (
        (
            "netguard verify 检查-2026-11-23 --trusted-key inspector.pub",
            "netguard verify 检查-2026-11-23 --format json",
        ),
        """\
  0    intact and signed by a --trusted-key key
  1    altered, missing or added files, a bad signature, or a signer not trusted
  2    not a bundle
  3    intact, but authorship not established (unsigned, or no --trusted-key given)""",
    ),
    "merge": (
        (
            "netguard merge 江北区-2026-11 江南区-2026-11 -o 省-2026-11.json --name 省 "
            "--trusted-key jiangbei.pub --trusted-key jiangnan.pub",
            "netguard merge lab-a lab-b -o fleet.json --allow-unsigned --force",
        ),
        """\
  0    every bundle verified and merged: the document is written
  2    a bundle altered, signed by a key not trusted, unsigned without --allow-unsigned,
       or not a bundle; the output exists (without --force): nothing was written
  130  interrupted: nothing was written""",
    ),
    "keygen": (
        ("netguard keygen inspector.key --name 张伟", "netguard keygen test.key --no-passphrase"),
        PLAIN_EXITS,
    ),
    "discover": (
        (
            "sudo netguard discover inventory/office.yaml",
            "sudo netguard discover inventory/office.yaml --segment lan --rate 50 --format json",
        ),
        JUDGE_EXITS,
    ),
    "receiver": (
        (
            "netguard receiver --listen 0.0.0.0:80,0.0.0.0:53 -o arrivals.jsonl",
            "netguard receiver --listen 203.0.113.5:8080 -o arrivals.jsonl --probe-key probe.key",
        ),
        """\
  0    stopped by SIGINT or SIGTERM
  2    bad input (an address, the arrivals file, the key): nothing was written""",
    ),
    "correlate": (
        (
            "netguard correlate results.json arrivals.jsonl --probe-key probe.key",
            "netguard correlate results.json arrivals.jsonl --probe-key probe.key "
            "--format json -o correlated.json",
        ),
        JUDGE_EXITS,
    ),
    "probe-key": (("netguard probe-key /etc/netguard/probe.key",), PLAIN_EXITS),
}


def epilog(verb: str) -> str:
    examples, exits = EPILOGS[verb]
    lines = ["examples:", *(f"  {e}" for e in examples), "", "exit codes:", exits]
    return "\n".join(lines)


def add_epilogs(sub: argparse._SubParsersAction[argparse.ArgumentParser], prefix: str = "") -> None:
    """Every verb (and action) its examples and exit codes, kept as written."""
    for name, parser in sub.choices.items():
        verb = f"{prefix}{name}"
        parser.epilog = epilog(verb)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                add_epilogs(action, f"{verb} ")
