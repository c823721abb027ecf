"""JUnit XML, the test report every CI server reads: a host is a test suite, a check a test case.

- ``fail`` → ``<failure>`` (message: the English message; body: message, remediation, evidence);
- ``error`` (the check could not decide) → ``<error>``;
- ``not_applicable`` → ``<skipped>``; ``waived`` → ``<skipped message="waived: …">``;
- a host that was not audited is unknown, never green: its suite has a test case
  ``host.audited`` in ``<error>`` (type: the host status, message: why), beside any finding it
  does carry (a changed host key's ``ssh.hostkey``).

Suites carry the host's address, zone, segment, department, OS, status and verdict as
``<properties>``; test cases their severity and standard references (``reference``, one per
clause), as pytest writes test case properties — which the strict ``junit-4.xsd`` does not
know, so a failure's or error's body names the references too. Host text is hostile:
ElementTree escapes it, and characters XML 1.0 cannot carry become U+FFFD (export/text.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netguard.export.text import json_text, xml_text
from netguard.model import FindingStatus
from netguard.results import FindingRecord, HostRecord, Results

MESSAGE_CAP = 1000  # characters of a failure's message attribute (the body has it all)
UNAUDITED_CLASS = "host"
UNAUDITED_NAME = "host.audited"


def render_junit(results: Results) -> str:
    timestamp = results.started.isoformat(timespec="seconds")
    root = ET.Element("testsuites", {"name": "netguard"})
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    time = 0.0
    for host in results.hosts:
        suite = _suite(host, results, timestamp)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        time += host.duration_s
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", _seconds(time))
    root.set("timestamp", timestamp)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _seconds(s: float) -> str:
    return f"{s:.3f}"


def _suite(host: HostRecord, results: Results, timestamp: str) -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(host.name)})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run", results.run_id),
        ("address", host.address),
        ("zone", host.zone),
        ("segment", host.segment),
        ("department", host.department),
        ("os", host.os),
        ("status", host.status),
        ("verdict", str(host.verdict)),
    ):
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    if not host.audited:
        case = ET.SubElement(
            suite, "testcase", {"name": UNAUDITED_NAME, "classname": UNAUDITED_CLASS}
        )
        detail = host.detail or f"host not audited ({host.status})"
        error = ET.SubElement(
            case, "error", {"type": xml_text(host.status), "message": xml_text(detail, MESSAGE_CAP)}
        )
        error.text = xml_text(detail)
        counts["tests"] += 1
        counts["errors"] += 1
    for f in host.findings:
        suite.append(_case(f))
        counts["tests"] += 1
        key = {
            FindingStatus.FAIL: "failures",
            FindingStatus.ERROR: "errors",
            FindingStatus.NOT_APPLICABLE: "skipped",
            FindingStatus.WAIVED: "skipped",
        }.get(FindingStatus(f.status))
        if key:
            counts[key] += 1
    for key, n in counts.items():
        suite.set(key, str(n))
    suite.set("time", _seconds(host.duration_s))
    suite.set("timestamp", timestamp)
    suite.set("hostname", xml_text(host.name))
    return suite


def _case(f: FindingRecord) -> ET.Element:
    case = ET.Element("testcase", {"name": xml_text(f.check), "classname": xml_text(f.category)})
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", {"name": "severity", "value": f.severity})
    for ref in f.references:
        ET.SubElement(props, "property", {"name": "reference", "value": xml_text(ref)})
    message = xml_text(f.message, MESSAGE_CAP)
    if f.status == FindingStatus.FAIL:
        el = ET.SubElement(case, "failure", {"message": message, "type": xml_text(f.severity)})
        el.text = _body(f)
    elif f.status == FindingStatus.ERROR:
        el = ET.SubElement(case, "error", {"message": message, "type": xml_text(f.reason)})
        el.text = _body(f)
    elif f.status == FindingStatus.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": message})
    elif f.status == FindingStatus.WAIVED:
        w = f.waiver
        said = f"waived: {w.label} ({w.approver}, until {w.expires}): {w.reason}" if w else "waived"
        ET.SubElement(case, "skipped", {"message": xml_text(said, MESSAGE_CAP)})
    return case


def _body(f: FindingRecord) -> str:
    parts = [f.message]
    if f.references:  # also here: strict junit-4.xsd readers drop test case properties
        parts.append("References: " + "; ".join(f.references))
    if f.remediation:
        parts.append(f"Remediation: {f.remediation}")
    if f.evidence:
        parts.append("Evidence:\n" + json_text(f.evidence, indent=1))
    return xml_text("\n\n".join(parts))
