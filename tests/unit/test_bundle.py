"""Evidence bundles: written from an audit, verified file by file, replayed to the same findings.

The audit here runs on recorded outputs (tests/unit/recordings.py) through a collector that
hands them back as a transport would; the lab tests do the same over real SSH.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from netguard.checks import CATALOG
from netguard.collect import Collection
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.errors import ExitStatus, InputError
from netguard.evidence import keys
from netguard.evidence.bundle import MANIFEST, SIGNATURE, BundleWriter, manifest_run
from netguard.evidence.reader import open_bundle
from netguard.evidence.verify import verify_bundle
from netguard.inventory import load_inventory, local_inventory
from netguard.inventory.dump import dump_inventory
from netguard.model import Host, HostStatus
from netguard.policy import default_policy_path, load_policy
from netguard.results import Run, dumps, run_document
from netguard.waivers import load_waivers
from tests.unit.recordings import NOW, recorded

RECORDED = ("compliant", "stale-signatures", "password-expired", "dual-homed", "forwarding")
INVENTORY = (
    """\
segments:
  - {name: county-intranet, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
  - {name: county-internet, zone: internet, cidr: 198.51.100.0/24, gateway: 198.51.100.1}
hosts:
"""
    + "".join(
        f"  - {{name: {n}, address: 10.20.0.{i + 10}, segment: county-intranet, department: 财}}\n"
        for i, n in enumerate(RECORDED)
    )
    + """\
  - {name: down-pc, address: 10.20.0.40, segment: county-intranet}
  - {name: newkey-pc, address: 10.20.0.41, segment: county-intranet}
"""
)
WAIVERS = """\
waivers:
  - id: WV-1
    host: forwarding
    check: isolation.forwarding
    reason: 打印服务器按设计转发
    approver: 信息中心 王主任
    approved: 2026-01-01
    expires: 2026-12-31
"""


class RecordedHosts:
    """A transport that hands back recorded outputs, a dead host and a changed host key."""

    def collect(self, host: Host) -> Collection:
        if host.name in RECORDED:
            return Collection(HostStatus.AUDITED, "", recorded(host.name), 0, collected_at=NOW)
        if host.name == "down-pc":
            return Collection(
                HostStatus.UNREACHABLE, "TCP connect to port 22 timed out after 3 s",
                collected_at=NOW,
            )  # fmt: skip
        return Collection(
            HostStatus.HOSTKEY_MISMATCH, "host key changed",
            evidence={"offered_type": "ssh-ed25519", "offered_fingerprint": "SHA256:abc",
                      "known_keys": {"ssh-ed25519": "SHA256:old"}},
            collected_at=NOW,
        )  # fmt: skip


@pytest.fixture(scope="module")
def signer() -> keys.SigningKey:
    return keys.generate("张三 县保密局")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory, signer: keys.SigningKey) -> dict[str, Any]:
    """An audit with waivers written into a signed bundle (the master copy; tests copy it)."""
    base = tmp_path_factory.mktemp("bundle")
    (base / "inv.yaml").write_text(INVENTORY, encoding="utf-8")
    (base / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    inventory = load_inventory(base / "inv.yaml")
    policy = load_policy(default_policy_path(), CATALOG)
    waivers = load_waivers(base / "waivers.yaml")
    writer = BundleWriter(base / "bundle")
    run = run_audit(
        AuditJob(
            inventory, policy, AuditOptions(workers=4), waivers=waivers, today=date(2026, 11, 23),
            collector=RecordedHosts(), sink=writer.collect_sink,
        )
    )  # fmt: skip
    writer.add_run(run, dumps(run_document(run)))
    writer.seal(manifest_run(run), signer, "张三")
    return {"root": base / "bundle", "run": run, "base": base}


@pytest.fixture
def bundle(audited: dict[str, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(audited["root"], copy)
    return copy


def _files(root: Path) -> list[str]:
    return [f["path"] for f in json.loads((root / MANIFEST).read_text("utf-8"))["files"]]


def _findings(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything a host's verdict consists of (not the durations or the run id)."""
    return {
        h["name"]: (h["status"], h["detail"], [
            {k: f[k] for k in ("check", "status", "severity", "message", "reason", "args",
                               "evidence", "remediation")} | {"waiver": f.get("waiver")}
            for f in h["findings"]
        ])
        for h in doc["hosts"]
    }  # fmt: skip


# -- what a bundle holds -------------------------------------------------------------------------


def test_the_bundle_holds_every_part(audited: dict[str, Any]) -> None:
    root = audited["root"]
    files = set(_files(root))
    assert {"results.json", "inputs/inventory.yaml", "inputs/policy.yaml",
            "inputs/waivers.yaml"} <= files  # fmt: skip
    for name in RECORDED:
        assert {f"hosts/{name}/output.bin", f"hosts/{name}/collection.json"} <= files
    # A host that answered nothing has its transport's word, and no output file.
    assert "hosts/down-pc/collection.json" in files and "hosts/down-pc/output.bin" not in files
    meta = json.loads((root / "hosts/newkey-pc/collection.json").read_text("utf-8"))
    assert meta["status"] == "hostkey_mismatch"
    assert meta["evidence"]["offered_fingerprint"] == "SHA256:abc"
    # The inputs are the bytes the audit loaded.
    assert (root / "inputs/inventory.yaml").read_text("utf-8") == INVENTORY
    assert (root / "inputs/waivers.yaml").read_text("utf-8") == WAIVERS
    manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    assert manifest["run"]["id"] == audited["run"].id and manifest["run"]["today"] == "2026-11-23"
    assert manifest["signer"]["name"] == "张三"


def test_the_writer_never_writes_into_earlier_evidence(audited: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="not an empty folder"):
        BundleWriter(audited["root"])


def test_verified_only_with_a_trusted_key(audited: dict[str, Any], signer: keys.SigningKey) -> None:
    root = audited["root"]
    assert verify_bundle(root, [signer.public]).exit_status is ExitStatus.OK
    unpinned = verify_bundle(root)
    assert unpinned.intact and unpinned.signature == "valid" and unpinned.trusted is None
    assert unpinned.exit_status is ExitStatus.UNKNOWN  # intact, authorship not established
    stranger = keys.generate("someone else")
    assert verify_bundle(root, [stranger.public]).exit_status is ExitStatus.FINDINGS


def test_an_unsigned_bundle_is_intact_but_not_verified(tmp_path: Path) -> None:
    writer = BundleWriter(tmp_path / "b")
    writer.add_bytes("results.json", b"{}\n")
    inv = local_inventory()
    writer.add_inventory(inv)
    writer.seal({"id": "x"})
    v = verify_bundle(tmp_path / "b")
    assert v.intact and v.signature == "missing" and v.exit_status is ExitStatus.UNKNOWN
    # The generated inventory of this machine loads back into the same hosts.
    assert (tmp_path / "b/inputs/inventory.yaml").read_text("utf-8") == dump_inventory(inv)
    back = load_inventory(tmp_path / "b/inputs/inventory.yaml")
    assert [(h.name, h.address, h.segment, h.transport) for h in back.hosts] == [
        (h.name, h.address, h.segment, h.transport) for h in inv.hosts
    ]
    assert back.segments == inv.segments


def test_not_a_bundle_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no manifest\.json"):
        verify_bundle(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        verify_bundle(tmp_path / "nothing")


# -- tampering, part by part ---------------------------------------------------------------------


#: Every file of the bundle, known in advance so that each is a test of its own.
PARTS = sorted(
    ["results.json", "inputs/inventory.yaml", "inputs/policy.yaml", "inputs/waivers.yaml"]
    + [f"hosts/{n}/{f}" for n in RECORDED for f in ("output.bin", "collection.json")]
    + ["hosts/down-pc/collection.json", "hosts/newkey-pc/collection.json"]
)


def test_the_tamper_tests_cover_every_part(audited: dict[str, Any]) -> None:
    assert _files(audited["root"]) == PARTS


@pytest.mark.parametrize("part", PARTS)
def test_altering_any_part_names_exactly_that_part(
    bundle: Path, signer: keys.SigningKey, part: str
) -> None:
    data = bytearray((bundle / part).read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, in the middle
    (bundle / part).write_bytes(bytes(data))
    v = verify_bundle(bundle, [signer.public])
    assert [p for p, _ in v.altered] == [part]
    assert not v.missing and not v.added and v.signature == "valid"
    assert v.exit_status is ExitStatus.FINDINGS


@pytest.mark.parametrize("part", PARTS)
def test_removing_any_part_names_exactly_that_part(bundle: Path, part: str) -> None:
    (bundle / part).unlink()
    v = verify_bundle(bundle)
    assert v.missing == [part] and not v.altered and not v.added
    assert v.exit_status is ExitStatus.FINDINGS


def test_added_files_links_and_fifos_are_named(bundle: Path) -> None:
    (bundle / "hosts/compliant/extra.txt").write_text("planted")
    (bundle / "notes").mkdir()
    (bundle / "notes/x").write_text("planted")
    os.symlink("/etc", bundle / "etc-link")
    (bundle / "results.json").unlink()
    os.mkfifo(bundle / "results.json")  # opening a FIFO would hang: it must not be opened
    v = verify_bundle(bundle)
    assert v.added == ["etc-link", "hosts/compliant/extra.txt", "notes/x"]
    assert [p for p, _ in v.altered] == ["results.json"]


def test_an_edited_manifest_breaks_the_signature(bundle: Path) -> None:
    # The forger alters a raw output and writes its new digest into the manifest.
    out = bundle / "hosts/forwarding/output.bin"
    out.write_bytes(out.read_bytes().replace(b"@@end", b"@@ng x eA==\n@@end"))
    manifest = json.loads((bundle / MANIFEST).read_text("utf-8"))
    import hashlib

    for f in manifest["files"]:
        if f["path"] == "hosts/forwarding/output.bin":
            f["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
            f["size"] = out.stat().st_size
    (bundle / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    v = verify_bundle(bundle)
    assert v.signature == "invalid" and not v.altered  # the files match the forged manifest
    assert v.exit_status is ExitStatus.FINDINGS


def test_a_removed_signature_is_missing_not_unsigned(bundle: Path) -> None:
    (bundle / SIGNATURE).unlink()
    v = verify_bundle(bundle)
    assert v.missing == [SIGNATURE] and v.signature == "invalid"
    assert v.exit_status is ExitStatus.FINDINGS


def test_a_resigned_bundle_is_caught_by_the_trusted_key(
    bundle: Path, signer: keys.SigningKey
) -> None:
    """A forger re-signs with their own key, naming themselves: valid, but not trusted."""
    from netguard.evidence import sshsig
    from netguard.evidence.bundle import NAMESPACE

    forger = keys.generate("张三 县保密局")
    manifest = json.loads((bundle / MANIFEST).read_text("utf-8"))
    manifest["signer"]["public_key"] = forger.public.openssh()
    manifest["signer"]["fingerprint"] = forger.public.fingerprint()
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    (bundle / MANIFEST).write_bytes(data)
    (bundle / SIGNATURE).write_text(sshsig.sign(forger, data, NAMESPACE))
    assert verify_bundle(bundle).exit_status is ExitStatus.UNKNOWN  # nobody vouched: not 0
    v = verify_bundle(bundle, [signer.public])
    assert v.intact and v.trusted is False and v.exit_status is ExitStatus.FINDINGS


def test_a_signature_by_another_key_than_the_manifest_names_is_invalid(bundle: Path) -> None:
    from netguard.evidence import sshsig
    from netguard.evidence.bundle import NAMESPACE

    other = keys.generate("x")
    (bundle / SIGNATURE).write_text(sshsig.sign(other, (bundle / MANIFEST).read_bytes(), NAMESPACE))
    v = verify_bundle(bundle)
    assert v.signature == "invalid" and "other than" in v.signature_problem


def test_a_garbled_manifest_is_reported(bundle: Path) -> None:
    (bundle / MANIFEST).write_text("{not json")
    v = verify_bundle(bundle)
    assert not v.intact and v.exit_status is ExitStatus.FINDINGS


# -- replay --------------------------------------------------------------------------------------


def _replay(root: Path, policy_path: Any = None) -> Run:
    b = open_bundle(root)
    inventory = load_inventory(b.inventory)
    recorded_hosts = {h["name"] for h in b.results["hosts"]}
    assert {h.name for h in inventory.hosts} == recorded_hosts
    return run_audit(
        AuditJob(
            inventory, load_policy(policy_path or b.policy, CATALOG), AuditOptions(workers=3),
            waivers=b.load_waivers(), today=date.fromisoformat(b.run["today"]),
            collector=b.collector(),
        )
    )  # fmt: skip


def test_replay_gives_identical_findings(audited: dict[str, Any]) -> None:
    original = json.loads((audited["root"] / "results.json").read_text("utf-8"))
    replayed = run_document(_replay(audited["root"]))
    before, after = _findings(original), _findings(replayed)
    differ = [
        (host, a, b)
        for host in before
        for a, b in zip(before[host][2], after[host][2], strict=True)
        if a != b
    ]
    assert not differ
    assert after == before
    assert replayed["summary"] == original["summary"]
    # Not a trivial equality: the fleet has failures, an unknown host, a waiver.
    statuses = {f["status"] for h in original["hosts"] for f in h["findings"]}
    assert {"fail", "pass", "waived"} <= statuses
    assert {h["status"] for h in original["hosts"]} >= {"audited", "unreachable",
                                                        "hostkey_mismatch"}  # fmt: skip


def test_replay_with_a_newer_policy_judges_the_same_facts(
    audited: dict[str, Any], tmp_path: Path
) -> None:
    """A stricter pack months later: only the verdicts it changes change."""
    text = Path(str(default_policy_path())).read_text("utf-8")
    stricter = text.replace("max_days: 90", "max_days: 10")
    assert stricter != text
    (tmp_path / "strict.yaml").write_text(stricter, encoding="utf-8")
    original = _findings(json.loads((audited["root"] / "results.json").read_text("utf-8")))
    replayed = _findings(run_document(_replay(audited["root"], tmp_path / "strict.yaml")))
    changed = {
        (host, a["check"])
        for host in original
        for a, b in zip(original[host][2], replayed[host][2], strict=True)
        if a["status"] != b["status"]
    }
    assert changed == {("compliant", "password.age"), ("stale-signatures", "password.age"),
                       ("dual-homed", "password.age"), ("forwarding", "password.age"),
                       ("compliant", "password.max_age"), ("stale-signatures", "password.max_age"),
                       ("dual-homed", "password.max_age"), ("forwarding", "password.max_age"),
                       ("password-expired", "password.max_age")}  # fmt: skip


def test_a_tampered_bundle_is_never_replayed(bundle: Path) -> None:
    (bundle / "hosts/compliant/output.bin").write_bytes(b"@@end\n")
    with pytest.raises(InputError, match="fails verification"):
        open_bundle(bundle)
