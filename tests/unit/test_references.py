"""Standard references as data: on every check spec, on every finding, in the results document
read back — and in step with the catalogs' ``basis.<category>`` prose the reports show."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest

from netguard.checks import ALL_CHECKS
from netguard.checks.base import check
from netguard.checks.hostkey import hostkey_finding
from netguard.checks.references import BMB_17, BY_CATEGORY, GBT_22239, references_of
from netguard.i18n import catalog
from netguard.model import Finding, FindingStatus, Host, Severity
from netguard.results import parse_results

CLAUSE = re.compile(r"GB/T 22239-2019 (\d+(?:\.\d+)+)|(\d+\.\d+\.\d+\.\d+)")


def _clauses(text: str) -> set[str]:
    return {a or b for a, b in CLAUSE.findall(text)}


def test_every_check_cites_its_categorys_clauses() -> None:
    for spec in ALL_CHECKS:
        assert spec.references, spec.id
        assert spec.references == BY_CATEGORY[spec.category]
        assert any(r.startswith(GBT_22239 + " ") for r in spec.references)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("category", sorted(BY_CATEGORY))
def test_the_data_and_the_catalogs_basis_cite_the_same_clauses(lang: str, category: str) -> None:
    prose = catalog(lang)(f"basis.{category}")
    refs = BY_CATEGORY[category]
    data = {r.removeprefix(GBT_22239 + " ") for r in refs if r.startswith(GBT_22239)}
    assert _clauses(prose) == data
    assert (BMB_17 in refs) == (BMB_17 in prose)


def test_a_check_may_say_its_own_references() -> None:
    spec = check("password.age", category="password", severity=Severity.LOW, references=("X 1",))(
        lambda facts, ctx: None  # type: ignore[arg-type,return-value]
    )
    assert spec.references == ("X 1",)
    assert references_of("nonesuch") == ()


def test_findings_outside_the_catalog_carry_them_too() -> None:
    host = Host("h", ipaddress.ip_address("10.0.0.1"), "seg")
    f = hostkey_finding(host, {"offered_fingerprint": "SHA256:x"})
    assert f.references == BY_CATEGORY["transport"]
    assert f.to_dict()["references"] == list(BY_CATEGORY["transport"])


def _doc(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "netguard.results/1",
        "run": {"id": "r1", "started": "2026-11-23T14:02:11+00:00"},
        "hosts": [{"name": "h", "zone": "intranet", "status": "audited", "findings": [finding]}],
    }


def test_the_document_keeps_them_and_older_documents_have_none() -> None:
    f = Finding("password.age", "password", FindingStatus.PASS, Severity.HIGH, "ok")
    assert "references" not in f.to_dict()  # none known: absent, as in older documents
    assert parse_results(_doc(f.to_dict())).hosts[0].findings[0].references == ()
    cited = Finding(
        "password.age", "password", FindingStatus.PASS, Severity.HIGH, "ok",
        references=BY_CATEGORY["password"],
    ).to_dict()  # fmt: skip
    read = parse_results(_doc(cited)).hosts[0].findings[0]
    assert read.references == BY_CATEGORY["password"]


@pytest.mark.parametrize("bad", ["GB/T 22239-2019", [1], {"a": "b"}])
def test_references_that_are_not_a_list_of_text_are_refused(bad: Any) -> None:
    f = Finding("password.age", "password", FindingStatus.PASS, Severity.HIGH, "ok").to_dict()
    f["references"] = bad
    with pytest.raises(Exception, match="references"):
        parse_results(_doc(f))
