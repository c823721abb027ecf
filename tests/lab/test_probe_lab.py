"""违规外联 proof end to end in the lab: a real `netguard receiver` on the internet machine, an
audit whose intranet machines send the probe over SSH, and `netguard correlate` over what
really arrived. The dual-homed PC's probe arrives (and its own stack already saw it connect);
the clean PC's cannot (no route to the internet side); forged and foreign tokens prove nothing.
All traffic stays inside the lab's namespaces."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netguard.probe import token as tk

RECEIVER = ("198.51.100.30", 8080)  # inet-pc's own address: the receiver runs in its namespace
PROBED = ("dual-pc", "ok-pc", "inet-pc")


@pytest.fixture(scope="module")
def probed(office_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab = office_lab.lab
    tmp = tmp_path_factory.mktemp("probe")
    os.chmod(tmp, 0o755)
    key, arrivals = tmp / "probe.key", tmp / "arrivals.jsonl"
    tk.write_key(key)
    # a small inventory of the lab: the dual-homed PC, a clean PC and the internet machine
    inv = yaml.safe_load(Path(office_lab.inventory_path).read_text(encoding="utf-8"))
    inv["hosts"] = [h for h in inv["hosts"] if h["name"] in PROBED]
    inventory = tmp / "inventory.yaml"
    inventory.write_text(yaml.safe_dump(inv, allow_unicode=True), encoding="utf-8")
    netns = lab.netns_of("inet-pc")
    assert netns is not None
    addr, port = RECEIVER

    def audit(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return lab.run_in_auditor(  # type: ignore[no-any-return]
            [sys.executable, "-m", "netguard", "audit", str(inventory), "--format", "json",
             "-o", str(out), "-q", "--no-history",
             "--probe", f"{addr}:{port}", "--probe-key", str(key), *extra],
            timeout=180,
        )  # fmt: skip

    out, again = tmp / "results.json", tmp / "again.json"
    receiver = _start_receiver(netns, key, arrivals)
    try:
        proc = audit(out)
        # the receiver killed and started again between two runs: what it wrote is kept, and
        # the second run's arrival is appended to the same file
        _stop(receiver)
        kept = arrivals.read_text(encoding="utf-8")
        receiver = _start_receiver(netns, key, arrivals)
        # the second audit reads the receiver's file itself once every host is done
        proc_again = audit(again, "--arrivals", str(arrivals))
    finally:
        _stop(receiver)
    yield {
        "proc": proc, "doc": json.loads(out.read_text(encoding="utf-8")), "results": out,
        "arrivals": arrivals, "key": key, "tmp": tmp, "kept": kept,
        "again": json.loads(again.read_text(encoding="utf-8")), "proc_again": proc_again,
    }  # fmt: skip


def _start_receiver(netns: str, key: Path, arrivals: Path) -> subprocess.Popen[str]:
    addr, port = RECEIVER
    receiver = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-m", "netguard", "receiver",
         "--listen", f"{addr}:{port}", "-o", str(arrivals), "--probe-key", str(key)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    assert receiver.stdout is not None
    ready = receiver.stdout.readline()  # "listening tcp 198.51.100.30:8080"; "" if it died
    if not ready.startswith("listening"):
        _stop(receiver)
        pytest.fail(f"the receiver did not start: {ready!r}")
    return receiver


def _stop(receiver: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(receiver.pid, signal.SIGTERM)
    receiver.wait(timeout=20)


def _reach(doc: dict[str, Any], host: str) -> dict[str, Any]:
    (h,) = [h for h in doc["hosts"] if h["name"] == host]
    (f,) = [f for f in h["findings"] if f["check"] == "isolation.reachability"]
    return f


def test_the_hosts_own_stack_already_tells(probed: dict[str, Any]) -> None:
    doc = probed["doc"]
    assert probed["proc"].returncode == 1, probed["proc"].stderr
    dual = _reach(doc, "dual-pc")
    assert dual["status"] == "fail", dual  # the TCP handshake completed: proof from the host side
    ok = _reach(doc, "ok-pc")
    assert ok["status"] == "pass", ok  # sent, could not connect: no route to the internet side
    assert {a["outcome"] for a in ok["evidence"]["attempts"]} <= {"no_route", "timeout"}
    assert _reach(doc, "inet-pc")["status"] == "not_applicable"


def test_audit_arrivals_decides_within_the_run_across_a_receiver_restart(
    probed: dict[str, Any],
) -> None:
    arrivals: Path = probed["arrivals"]
    assert arrivals.read_text(encoding="utf-8").startswith(probed["kept"])  # nothing lost
    lines = arrivals.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["source"] for x in lines] == ["198.51.100.12"] * 2, lines
    doc = probed["again"]
    assert probed["proc_again"].returncode == 1, probed["proc_again"].stderr
    dual = _reach(doc, "dual-pc")
    assert dual["reason"] == "isolation.reachability.arrived", dual
    assert dual["evidence"]["attempts"][0]["outcome"] == "connected"  # the host's own report
    assert _reach(doc, "ok-pc")["status"] == "pass"
    # the first run's arrival is another run's token here: listed, never counted
    assert [r["reason"] for r in doc["probe"]["rejected"]] == ["other_run"]
    assert [a["host"] for a in doc["probe"]["accepted"]] == ["dual-pc"]


def test_correlate_proves_what_arrived_and_refuses_the_rest(probed: dict[str, Any]) -> None:
    arrivals: Path = probed["arrivals"]
    lines = arrivals.read_text(encoding="utf-8").splitlines()[:1]  # the first run's
    assert [json.loads(x)["source"] for x in lines] == ["198.51.100.12"], lines  # dual-pc's leg
    # a forger without the key, and a genuine token of another run
    real = json.loads(lines[0])
    forged = {**real, "token": real["token"][:-4] + "0000"}
    replayed = {**real, "token": str(tk.make(tk.load_key(probed["key"]), "a" * 32, "ok-pc", 1))}
    with arrivals.open("a", encoding="utf-8") as f:
        f.write(json.dumps(forged) + "\n" + json.dumps(replayed) + "\n")
    out = probed["tmp"] / "correlated.json"
    proc = subprocess.run(
        [sys.executable, "-m", "netguard", "correlate", str(probed["results"]), str(arrivals),
         "--probe-key", str(probed["key"]), "--format", "json", "-o", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    dual = _reach(doc, "dual-pc")
    assert dual["reason"] == "isolation.reachability.arrived", dual
    assert dual["evidence"]["arrivals"][0]["source"] == "198.51.100.12"
    assert _reach(doc, "ok-pc")["status"] == "pass"
    # the second run's genuine arrival, a forger without the key, another run's token
    assert [r["reason"] for r in doc["probe"]["rejected"]] == ["other_run", "forged", "other_run"]
