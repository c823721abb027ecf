"""netguard export --format junit: read back by a JUnit parser library (junitparser), and held
to the shape of the JUnit XSD CI servers use (the Jenkins/Ant ``junit-10.xsd`` elements and
attributes; test case ``<properties>`` as pytest writes them)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite

from netguard.export import render_export
from netguard.results import load_results
from tests.unit.export_doc import findings_of, results

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab-results.json"

#: element → the attributes the XSD allows it, and the children it may have
SHAPE: dict[str, tuple[set[str], set[str]]] = {
    "testsuites": ({"name", "time", "tests", "failures", "errors", "skipped", "disabled",
                    "timestamp"}, {"testsuite"}),
    "testsuite": ({"name", "tests", "failures", "errors", "skipped", "disabled", "time",
                   "timestamp", "hostname", "id", "package"},
                  {"properties", "testcase", "system-out", "system-err"}),
    "properties": (set(), {"property"}),
    "property": ({"name", "value"}, set()),
    "testcase": ({"name", "classname", "assertions", "time", "status"},
                 {"properties", "skipped", "error", "failure", "system-out", "system-err"}),
    "failure": ({"message", "type"}, set()),
    "error": ({"message", "type"}, set()),
    "skipped": ({"message"}, set()),
}  # fmt: skip
NUMBERS = {"tests", "failures", "errors", "skipped"}


def _shape(el: ET.Element) -> None:
    attrs, children = SHAPE[el.tag]
    assert set(el.attrib) <= attrs, (el.tag, set(el.attrib) - attrs)
    assert {"name"} <= set(el.attrib) or el.tag not in {"testsuite", "testcase", "property"}
    for key in NUMBERS & set(el.attrib):
        assert int(el.attrib[key]) >= 0
    if "time" in el.attrib:
        assert float(el.attrib["time"]) >= 0
    for child in el:
        assert child.tag in children, (el.tag, child.tag)
        _shape(child)


def _suites(text: str) -> dict[str, TestSuite]:
    xml = JUnitXml.fromstring(text)
    return {s.name: s for s in xml}


def test_a_host_is_a_suite_and_a_check_a_case_with_counts_a_parser_agrees_with() -> None:
    r = results()
    text = render_export(r, "junit")
    root = ET.fromstring(text.encode("utf-8"))
    _shape(root)
    suites = _suites(text)
    assert list(suites) == ["pc-1", "pc-2", "pc-3", "pc-4"]
    pc1 = suites["pc-1"]
    assert (pc1.tests, pc1.failures, pc1.errors, pc1.skipped) == (6, 2, 1, 2)
    props = {p.name: p.value for p in pc1.properties()}
    assert props["address"] == "10.20.0.17" and props["zone"] == "intranet"
    assert props["department"] == "财务科" and props["verdict"] == "failing"
    cases = {c.name: c for c in pc1}
    assert cases["isolation.default_route"].classname == "isolation"
    assert isinstance(cases["isolation.default_route"].result[0], Failure)
    assert isinstance(cases["antivirus.running"].result[0], Error)
    assert isinstance(cases["isolation.wireless"].result[0], Skipped)
    waived = cases["antivirus.signatures"].result[0]
    assert isinstance(waived, Skipped) and waived.message.startswith("waived: WV-2026-001")
    assert cases["password.age"].is_passed
    # totals on the root, as the parser recounts them
    assert int(root.get("tests", "")) == sum(s.tests for s in suites.values())
    assert int(root.get("failures", "")) == 2 + 1  # pc-1's two and pc-3's ssh.hostkey
    assert int(root.get("errors", "")) == 1 + 2  # pc-1's undecidable check, pc-2, pc-3


def test_unaudited_hosts_are_errors_never_green() -> None:
    suites = _suites(render_export(results(), "junit"))
    pc2 = suites["pc-2"]
    assert (pc2.tests, pc2.errors) == (1, 1)
    (case,) = list(pc2)
    err = case.result[0]
    assert isinstance(err, Error) and err.type == "unreachable"
    assert err.message == "connect to port 22 timed out"
    pc3 = suites["pc-3"]
    assert (pc3.tests, pc3.errors, pc3.failures) == (2, 1, 1)


def test_references_are_test_case_properties() -> None:
    root = ET.fromstring(render_export(results(), "junit").encode("utf-8"))
    case = root.find(".//testsuite[@name='pc-1']/testcase[@name='isolation.default_route']")
    assert case is not None
    refs = [p.get("value") for p in case.iterfind("properties/property[@name='reference']")]
    assert refs == ["GB/T 22239-2019 8.1.3.1", "BMB 17-2006"]
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    assert "References: GB/T 22239-2019 8.1.3.1; BMB 17-2006" in failure.text


def test_hostile_evidence_is_escaped_and_what_xml_cannot_carry_is_replaced() -> None:
    text = render_export(results(), "junit")
    for bad in ("\x00", "\x1b", "\u202e", "\u2028", "\ud800"):
        assert bad not in text
    root = ET.fromstring(text.encode("utf-8"))  # it parses: nothing closed the failure early
    failure = root.find(".//testcase[@name='isolation.default_route']/failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith("route via a<b>&\"c'\ufffd\ufffd[31m\ufffdgnp")
    assert "]]></failure>" in failure.text and "天擎" in failure.text
    assert "Remediation: fix it" in failure.text and "Evidence:" in failure.text


def test_the_lab_document_round_trips() -> None:
    r = load_results(LAB)
    text = render_export(r, "junit")
    _shape(ET.fromstring(text.encode("utf-8")))
    suites = _suites(text)
    assert len(suites) == len(r.hosts)
    unaudited = sum(not h.audited for h in r.hosts)
    assert sum(s.tests for s in suites.values()) == findings_of(r) + unaudited
    fails = sum(f.status == "fail" for h in r.hosts for f in h.findings)
    assert sum(s.failures for s in suites.values()) == fails
