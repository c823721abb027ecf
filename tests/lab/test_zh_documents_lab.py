"""Issue 13's acceptance: a Chinese reader finds no English, no half-width punctuation and no
avoided word in anything a zh run of the lab gives them — the audit's console, the report (Markdown
and HTML), every checklist (Markdown and HTML), the spot check's inspection record, `netguard
verify`, `netguard history`, `netguard diff` and `netguard checks`.

Latin text may be names and identifiers (tests/zh_text.py: netguard, SSH, check ids, paths,
addresses, the inventory's values, the policy's product names, times, digests) or raw text the
document labels as raw (原始输出 …, 英文原文 …): a raw block (``<pre>``, a fenced block) must have
such a label shortly before it, unless it is a command. One failure lists every problem, each with
its document and the text around it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netguard.policy import default_policy_path
from tests.unit.test_glossary import avoided_words, half_width
from tests.zh_text import Prose, html_prose, markdown_prose, plain_prose, zh_problems

#: the lines a verb writes for scripts collecting the files written (cli/options.announce):
#: ``kind: PATH``, the same in every language (tests/lab/test_reports_lab.py reads them)
ANNOUNCE = re.compile(r"^(?:report|checklist|bundle|key|public key): \S.*$", re.M)
ZH_ENV = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": ""}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        yield from _strings(list(node))
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _strings(v)
    elif isinstance(node, str):
        yield node


@pytest.fixture(scope="module")
def zh_run(office_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two zh audits of the lab into one history (Markdown, then HTML documents), a zh spot
    check, and the history verbs: every document and console text, by a name for the messages."""
    tmp = tmp_path_factory.mktemp("zh")
    history = tmp / "history.sqlite"
    inventory = str(office_lab.inventory_path)

    def console(name: str, proc: subprocess.CompletedProcess[str]) -> None:
        for stream, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            path = tmp / "console" / f"{name} ({stream}).txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")

    for fmt in ("md", "html"):
        # the first prints its table; the second writes its results file, which the checklists
        # then name
        output = ["--format", "json", "-o", str(tmp / "results.json")] if fmt == "html" else []
        proc = office_lab.lab.run_in_auditor(
            [
                sys.executable, "-m", "netguard", "audit", inventory, "-q", "--lang", "zh",
                "--report", fmt, "--checklists", "always", "--checklist-format", fmt,
                "--report-dir", str(tmp / fmt), "--tz", "Asia/Shanghai",
                "--history", str(history), *output,
            ],
            timeout=180, env=ZH_ENV,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr  # failing findings
        console(f"audit --report {fmt}", proc)

    key = tmp / "insp.key"
    proc = subprocess.run(
        [sys.executable, "-m", "netguard", "keygen", str(key), "--no-passphrase",
         "--name", "王检查"],
        capture_output=True, text=True, timeout=60, check=False, env=ZH_ENV,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    bundle = tmp / "bundle"
    proc = office_lab.lab.run_in_auditor(
        [
            sys.executable, "-m", "netguard", "spot-check", inventory, "--sample", "40%",
            "--by", "segment", "--seed", "2026-12-01 保密检查", "--key", str(key),
            "-o", str(bundle), "-q", "--unit", "实验办公室", "--organization", "县保密局",
            "--lang", "zh", "--tz", "Asia/Shanghai",
        ],
        timeout=240, env=ZH_ENV,
    )  # fmt: skip
    assert proc.returncode in (1, 3), proc.stderr
    console("spot-check", proc)

    # An hour later, as the history would have it: a machine went down, one was fixed, one
    # left the inventory — so that the diff has more to say than "still failing".
    later = tmp / "later.json"
    later.write_text(
        json.dumps(_an_hour_later(json.loads((tmp / "results.json").read_text("utf-8")))),
        encoding="utf-8",
    )
    for name, argv in {
        "history import": ["history", "--history", str(history), "import", str(later)],
        "verify": ["verify", str(bundle), "--trusted-key", f"{key}.pub", "--lang", "zh"],
        "history": ["history", "--history", str(history), "--lang", "zh"],
        "diff": ["diff", "--history", str(history), "--lang", "zh"],
        "checks": ["checks", "--lang", "zh"],
    }.items():
        proc = subprocess.run(
            [sys.executable, "-m", "netguard", *argv],
            capture_output=True, text=True, timeout=60, check=False, env=ZH_ENV,
        )  # fmt: skip
        assert proc.returncode in (0, 1, 3), f"{name}: {proc.stderr}"  # 3: diff, unknown
        console(name, proc)

    names = {s for spec in office_lab.hosts.values() for s in _strings(dataclasses.asdict(spec))}
    with open(office_lab.inventory_path, encoding="utf-8") as fh:
        names |= set(_strings(yaml.safe_load(fh)))
    with default_policy_path().open(encoding="utf-8") as fh:  # its name, the antivirus products
        policy = yaml.safe_load(fh)
    names |= {policy["name"], bundle.name, *_strings(policy.get("antivirus_products", []))}
    return {"texts": zh_texts(tmp), "names": names, "tmp": tmp}


def _an_hour_later(doc: dict[str, Any]) -> dict[str, Any]:
    """The results of a run an hour after ``doc``'s: ok-pc unreachable, fwd-pc's forwarding
    off, svc-pc gone from the inventory."""
    out = copy.deepcopy(doc)
    started = dt.datetime.fromisoformat(out["run"]["started"]) + dt.timedelta(hours=1)
    out["run"].update(id="a1b2c3d4" * 4, started=started.isoformat(), finished=started.isoformat())
    for h in out["hosts"]:
        if h["name"] == "ok-pc":
            h.update(
                status="unreachable", detail="TCP connect to port 22 timed out after 3 s",
                detail_reason="connect_timeout", detail_args={"port": 22, "seconds": 3.0},
                findings=[],
            )  # fmt: skip
        for f in h["findings"]:
            if (h["name"], f["check"]) == ("fwd-pc", "isolation.forwarding"):
                f["status"] = "pass"
    out["hosts"] = [h for h in out["hosts"] if h["name"] != "svc-pc"]
    return out


def zh_texts(folder: Path) -> dict[str, Prose]:
    """Every text of a zh run kept in ``folder``, by a name for the messages: the consoles
    (the ``kind: PATH`` lines aside), the documents, the inspection record."""
    texts = {
        p.stem: plain_prose(ANNOUNCE.sub(" ", p.read_text(encoding="utf-8")))
        for p in sorted((folder / "console").iterdir())
    }
    for path in sorted([*folder.glob("*/*.md"), *folder.glob("*/*.html")]):
        text = path.read_text(encoding="utf-8")
        texts[path.name] = html_prose(text) if path.suffix == ".html" else markdown_prose(text)
    return texts


def test_every_kind_of_zh_output_is_read(zh_run: dict[str, Any]) -> None:
    names = set(zh_run["texts"])
    for md_or_html in ("md", "html"):
        assert any(re.fullmatch(rf"netguard-report-.*-zh\.{md_or_html}", n) for n in names)
        assert len([n for n in names if re.fullmatch(rf"checklist-.*\.{md_or_html}", n)]) >= 5
    assert "record.zh.html" in names
    for verb in ("verify", "history", "history import", "diff", "checks"):
        assert zh_run["texts"][f"{verb} (stdout)"].text.strip(), verb
    diff = zh_run["texts"]["diff (stdout)"].text
    for heading in (
        "已整改，复查通过（1）",
        "变为状态不明的计算机",
        "已从资产清单注销的计算机（1）",
    ):
        assert heading in diff, diff


def test_a_chinese_reader_finds_no_english_and_no_half_width_punctuation(
    zh_run: dict[str, Any],
) -> None:
    problems: list[str] = []
    for source, prose in zh_run["texts"].items():
        problems += zh_problems(
            source, prose, zh_run["names"], avoided=avoided_words, half_width=half_width
        )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
