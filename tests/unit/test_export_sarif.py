"""netguard export --format sarif: valid against the official SARIF 2.1.0 JSON schema (OASIS,
errata 01; tests/fixtures/sarif-schema-2.1.0.json, see tests/fixtures/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from netguard.export import render_export
from netguard.results import load_results
from tests.unit.export_doc import HOSTILE, findings_of, results

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LAB = FIXTURES / "lab-results.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _log(text: str, validator: jsonschema.protocols.Validator) -> dict[str, Any]:
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return log


def test_valid_sarif_with_one_rule_per_check_and_its_references(
    validator: jsonschema.protocols.Validator,
) -> None:
    log = _log(render_export(results(), "sarif"), validator)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "netguard" and driver["version"] == "0.1.0"
    rules = {r["id"]: r for r in driver["rules"]}
    assert len(rules) == len(driver["rules"]) == 7
    iso = rules["isolation.default_route"]
    assert iso["properties"]["references"] == ["GB/T 22239-2019 8.1.3.1", "BMB 17-2006"]
    assert "GB/T 22239-2019 8.1.3.1" in iso["properties"]["tags"]
    assert iso["help"]["text"] == "fix it" and iso["defaultConfiguration"]["level"] == "error"
    # a check two policies rated differently: the rule says the worse
    assert rules["password.age"]["properties"]["severity"] == "high"
    for i, res in enumerate(run["results"]):
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"], i


def test_levels_kinds_locations_and_the_waiver_as_a_suppression(
    validator: jsonschema.protocols.Validator,
) -> None:
    run = _log(render_export(results(), "sarif"), validator)["runs"][0]
    assert len(run["results"]) == findings_of(results())
    by = {(r["properties"]["host"], r["ruleId"]): r for r in run["results"]}
    fail = by[("pc-1", "isolation.default_route")]
    assert (fail["kind"], fail["level"]) == ("fail", "error")
    assert fail["locations"][0]["logicalLocations"][0]["name"] == "pc-1"
    assert fail["properties"]["zone"] == "intranet" and fail["properties"]["status"] == "fail"
    assert fail["properties"]["evidence"]["route"] == HOSTILE.replace("\ud800", "\ufffd")
    assert by[("pc-1", "media.history")]["level"] == "note"  # low
    assert (by[("pc-1", "password.age")]["kind"], by[("pc-1", "password.age")]["level"]) == (
        "pass",
        "none",
    )
    assert by[("pc-1", "antivirus.running")]["kind"] == "review"  # could not decide
    assert by[("pc-1", "isolation.wireless")]["kind"] == "notApplicable"
    waived = by[("pc-1", "antivirus.signatures")]
    assert (waived["kind"], waived["level"]) == ("fail", "warning")  # medium
    (sup,) = waived["suppressions"]
    assert (sup["kind"], sup["status"], sup["justification"]) == (
        "external",
        "accepted",
        "vendor update pending",
    )
    assert by[("pc-3", "ssh.hostkey")]["level"] == "error"
    # the same host and check: the same fingerprint, run after run
    again = _log(render_export(results(), "sarif"), validator)["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [
        r["partialFingerprints"] for r in run["results"]
    ]


def test_unaudited_hosts_are_error_notifications_of_the_invocation(
    validator: jsonschema.protocols.Validator,
) -> None:
    run = _log(render_export(results(), "sarif"), validator)["runs"][0]
    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is True
    assert inv["startTimeUtc"] == "2026-11-23T14:02:11.512Z"
    assert inv["endTimeUtc"] == "2026-11-23T14:02:13.901Z"
    notes = inv["toolExecutionNotifications"]
    assert [(n["level"], n["properties"]["host"], n["descriptor"]["id"]) for n in notes] == [
        ("error", "pc-2", "host.unreachable"),
        ("error", "pc-3", "host.hostkey_mismatch"),
    ]


def test_hostile_text_is_escaped_json(validator: jsonschema.protocols.Validator) -> None:
    text = render_export(results(), "sarif")
    for bad in ("\u2028", "\u202e", "\x1b", "\ud800"):
        assert bad not in text
    _log(text, validator)


def test_an_unfinished_run_and_the_lab_document_are_valid(
    validator: jsonschema.protocols.Validator,
) -> None:
    r = results()
    r.finished = None
    inv = _log(render_export(r, "sarif"), validator)["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False and "endTimeUtc" not in inv
    lab = load_results(LAB)
    run = _log(render_export(lab, "sarif"), validator)["runs"][0]
    assert len(run["results"]) == findings_of(lab)


def test_the_schema_does_refuse_what_is_not_sarif(
    validator: jsonschema.protocols.Validator,
) -> None:
    log = json.loads(render_export(results(), "sarif"))
    log["runs"][0]["results"][0]["level"] = "critical"  # SARIF has no such level
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(log))) == 2
