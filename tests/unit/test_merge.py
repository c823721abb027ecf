"""Merging collectors' results documents (results/merge.py) and reading a merged document back
(results/read.py): names, addresses, policies, waivers, counts and what the validator refuses.
The bundles' verification is tested end to end in tests/cli/test_merge_cli.py."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from netguard.errors import InputError
from netguard.report import render_report
from netguard.results import parse_results, summarize_hosts
from netguard.results.merge import Source, merge_documents


def _finding(check: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"check": check, "category": check.split(".")[0], "status": status,
            "severity": "high", **extra}  # fmt: skip


def _host(name: str, address: str, status: str = "audited", *findings: dict[str, Any]) -> dict:
    return {"name": name, "address": address, "segment": "lan", "zone": "intranet",
            "status": status, "findings": list(findings)}  # fmt: skip


def _doc(run_id: str, office: str, started: str, policy: str, hosts: list[dict]) -> dict:
    return {
        "schema": "netguard.results/1",
        "netguard_version": "0.1.0",
        "run": {
            "id": run_id,
            "started": f"2026-11-{started}+08:00",
            "finished": f"2026-11-{started[:-1]}9+08:00",
            "inventory": {"path": f"inventory/{run_id}.yaml", "sha256": run_id * 8, "name": office},
            "policy": {"name": policy, "path": f"{policy}.yaml", "sha256": policy[:1] * 64},
        },
        "summary": summarize_hosts(hosts),
        "hosts": hosts,
    }


WAIVER = {"reason": "打印服务器", "approver": "王主任", "approved": "2026-01-01",
          "expires": "2026-06-30", "host": "shared-pc", "check": "isolation.forwarding",
          "file": "waivers.yaml", "line": 3}  # fmt: skip


@pytest.fixture
def sources() -> list[Source]:
    north = _doc("aaaa", "江北区", "20T09:00:00", "baseline", [
        _host("shared-pc", "10.0.0.5", "audited", _finding("antivirus.running", "fail")),
        _host("north-pc", "10.0.0.6", "audited", _finding("antivirus.running", "pass")),
    ])  # fmt: skip
    north["waivers"] = {
        "path": "waivers.yaml", "sha256": "w" * 64, "today": "2026-11-20",
        "counts": {"entries": 1, "expired": 1},
        "expired": [{**WAIVER, "matched": 1,
                     "findings": [{"host": "shared-pc", "check": "isolation.forwarding"}]}],
    }  # fmt: skip
    south = _doc("bbbb", "江南区", "21T09:00:00", "secret", [
        _host("shared-pc", "10.0.0.9", "unreachable"),
        _host("south-pc", "10.0.0.5", "audited", _finding("password.age", "error")),
    ])  # fmt: skip
    return [
        Source("北/2026-11", north, "valid", "江北区网管员", "SHA256:north", True),
        Source("南/2026-11", south),  # unsigned, merged with --allow-unsigned
    ]


def test_hosts_keep_their_collector_and_duplicates_are_named(sources: list[Source]) -> None:
    merged = merge_documents(sources, "某省", run_id="merge1")
    doc = merged.document
    results = parse_results(copy.deepcopy(doc), "fleet.json")  # what is written reads back
    assert [(h.name, h.collector, h.inventory_name) for h in results.hosts] == [
        ("shared-pc@江北区", "江北区", "shared-pc"),
        ("north-pc", "江北区", ""),
        ("shared-pc@江南区", "江南区", "shared-pc"),
        ("south-pc", "江南区", ""),
    ]
    assert merged.renamed == [("shared-pc", ["shared-pc@江北区", "shared-pc@江南区"])]
    # 10.0.0.5 is north's shared-pc and south's south-pc: isolated networks reuse addresses
    assert merged.shared_addresses == [("10.0.0.5", ["shared-pc@江北区", "south-pc"])]
    assert [(d.kind, d.value, d.collectors) for d in results.duplicates] == [
        ("name", "shared-pc", ["江北区", "江南区"]),
        ("address", "10.0.0.5", ["江北区", "江南区"]),
    ]
    assert merged.unverified == ["江南区"]
    north, south = results.collectors
    assert (north.bundle, north.run_id, north.signer_fingerprint) == ("北/2026-11", "aaaa",
                                                                      "SHA256:north")  # fmt: skip
    assert north.verified and not south.verified and south.signature == "missing"
    assert north.inventory["sha256"] == "aaaa" * 8 and south.policy["name"] == "secret"
    assert south.started == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def test_the_run_spans_the_collectors_and_the_counts_are_recomputed(
    sources: list[Source],
) -> None:
    doc = merge_documents(sources, "某省", run_id="merge1").document
    run = doc["run"]
    assert run["id"] == "merge1" and run["inventory"]["name"] == "某省"
    assert run["started"] == "2026-11-20T09:00:00+08:00"
    assert run["finished"] == "2026-11-21T09:00:09+08:00"
    assert doc["summary"] == summarize_hosts(doc["hosts"])
    assert (doc["summary"]["hosts"], doc["summary"]["failing"], doc["summary"]["unknown"]) == (
        4, 1, 2)  # fmt: skip
    # two policies: no one digest for the run, each collector's in its entry and listed
    assert run["policy"]["sha256"] == "" and merged_policies(doc) == ["baseline", "secret"]


def merged_policies(doc: dict[str, Any]) -> list[str]:
    return [p["name"] for p in doc["run"]["merged"]["policies"]]


def test_one_policy_stays_the_runs_policy(sources: list[Source]) -> None:
    south = copy.deepcopy(sources[1].document)
    south["run"]["policy"] = sources[0].document["run"]["policy"]
    doc = merge_documents([sources[0], Source("南", south)], "某省").document
    assert doc["run"]["policy"]["sha256"] == "b" * 64 and merged_policies(doc) == ["baseline"]


def test_waivers_are_merged_under_the_merged_names(sources: list[Source]) -> None:
    results = parse_results(merge_documents(sources, "某省").document, "fleet.json")
    assert results.waivers is not None
    [expired] = results.waivers.expired
    assert expired.findings == [("shared-pc@江北区", "isolation.forwarding")]
    assert results.waivers.counts == {"entries": 1, "expired": 1}


def test_a_run_is_merged_once(sources: list[Source]) -> None:
    with pytest.raises(InputError, match="same run") as caught:
        merge_documents([sources[0], Source("copy", sources[0].document)], "某省")
    assert caught.value.file == "copy"


def test_collector_ids_are_unique_and_stable(sources: list[Source]) -> None:
    again = copy.deepcopy(sources[0].document)
    again["run"]["id"] = "cccc"
    doc = merge_documents([sources[0], Source("again", again)], "某省").document
    assert [c["id"] for c in doc["collectors"]] == ["江北区", "江北区-2"]
    unnamed = copy.deepcopy(sources[1].document)
    del unnamed["run"]["inventory"]["name"]  # no office name: the inventory file's stem
    doc = merge_documents([Source("x", unnamed)], "某省").document
    assert doc["collectors"][0]["id"] == "bbbb"


def test_the_report_shows_each_collector(sources: list[Source]) -> None:
    results = parse_results(merge_documents(sources, "某省").document, "fleet.json")
    md = render_report(results, "md", "en")
    assert "## Collectors (isolated networks)" in md
    assert "| 江北区 | 北/2026-11 | 江北区网管员 SHA256:north |" in md
    assert "not verified" in md and "did not all use the same policy" in md
    html = render_report(results, "html", "zh")
    assert 'id="by-collector"' in html and "shared-pc@江南区" in html
    assert "资产清单中的计算机名</dt><dd>shared-pc</dd>" in html  # a renamed host's own name


def test_a_single_runs_report_has_no_collector_section(sources: list[Source]) -> None:
    single = parse_results(sources[0].document, "r.json")
    assert not single.merged
    assert "by-collector" not in render_report(single, "html", "en")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["hosts"][0].update(collector="nowhere"), "hosts[0].collector"),
        (lambda d: d["hosts"][0].pop("collector"), "hosts[0].collector"),
        (lambda d: d["collectors"][1].update(id="江北区"), "collectors[1].id"),
        (lambda d: d["collectors"][0].update(signature="invalid"), "collectors[0].signature"),
        (lambda d: d["collectors"][0].update(started="yesterday"), "collectors[0].started"),
        (lambda d: d["collectors"][0].update(trusted="yes"), "collectors[0].trusted"),
        (lambda d: d.update(duplicates=[{"kind": "city"}]), "duplicates[0].kind"),
        (lambda d: d.pop("collectors"), "hosts[0].collector"),
    ],
)
def test_the_validator_refuses_an_edited_merged_document(
    sources: list[Source], edit: Any, field: str
) -> None:
    doc = merge_documents(sources, "某省").document
    edit(doc)
    with pytest.raises(InputError) as caught:
        parse_results(doc, "fleet.json")
    assert caught.value.field == field and caught.value.file == "fleet.json"


# -- bundles (evidence/merge.py): what a signed bundle must hold to be merged ---------------------


def _bundle(root: Any, doc: dict[str, Any], manifest_run: str, key: Any) -> str:
    from netguard.evidence.bundle import RESULTS, BundleWriter

    writer = BundleWriter(root)
    writer.add_json(RESULTS, doc)
    writer.seal({"id": manifest_run}, key, "江北区网管员")
    return str(root)


def test_a_bundle_is_merged_only_with_its_own_run(sources: list[Source], tmp_path: Any) -> None:
    from netguard.evidence import keys
    from netguard.evidence.merge import collector_source, merge_bundles

    key = keys.generate("江北区网管员")
    doc = sources[0].document
    good = _bundle(tmp_path / "good", doc, "aaaa", key)
    source = collector_source(good, [key.public])
    assert (source.signature, source.trusted, source.signer_name) == ("valid", True, "江北区网管员")
    assert source.signer_fingerprint == key.public.fingerprint()
    # the results document must record the run the signed manifest names
    other = _bundle(tmp_path / "other", doc, "zzzz", key)
    with pytest.raises(InputError, match="manifest names run") as caught:
        collector_source(other, [key.public])
    assert caught.value.file == f"{other}/results.json" and caught.value.field == "run.id"
    # a merged document is not merged again: merge the collectors' bundles
    merged = merge_documents(sources, "某省").document
    nested = _bundle(tmp_path / "nested", merged, merged["run"]["id"], key)
    with pytest.raises(InputError, match="already a merged document"):
        collector_source(nested, [key.public])
    # a results document the validator refuses names the bundle's file and the field
    broken = copy.deepcopy(doc)
    broken["hosts"][0]["status"] = "fine"
    bad = _bundle(tmp_path / "bad", broken, "aaaa", key)
    with pytest.raises(InputError) as caught:
        merge_bundles([good, bad], [key.public], "某省")
    assert caught.value.file == f"{bad}/results.json" and caught.value.field == "hosts[0].status"
