"""Probe sections of the collection script (isolation.reachability), as a host would print them
for the request with PROBE_TOKEN."""

from __future__ import annotations

PROBE_TOKEN = "ngp1.run1.0123456789abcdef.1800000000." + "a" * 32


def probe_section(*lines: str, requested: bool = True, token: str = PROBE_TOKEN) -> str:
    head = ["requested=1", f"token={token}"] if requested else ["requested=0"]
    return "\n".join(head + list(lines))


def attempt(ip: str, port: int, method: str, outcome: str, at: int | None) -> str:
    return f"ip={ip} port={port} method={method} outcome={outcome} sent_at={at or ''}"


#: scenario → the probe section; test_probe_audit.py holds each one's verdict
PROBE_SECTIONS: dict[str, str] = {
    "probe-connected": probe_section(
        attempt("192.0.2.7", 80, "bash", "connected", 1800000010),
        attempt("2001:db8::7", 443, "curl", "refused", 1800000011),
    ),
    "probe-sent": probe_section(
        attempt("192.0.2.7", 80, "bash", "refused", 1800000010),
        attempt("192.0.2.8", 53, "bash", "timeout", 1800000013),
    ),
    "probe-partly-sent": probe_section(
        attempt("192.0.2.7", 80, "nc", "error", 1800000010),
        attempt("192.0.2.8", 53, "nc", "no_route", 1800000011),
    ),
    "probe-not-sent": probe_section(
        attempt("192.0.2.7", 80, "none", "not_sent", None),
        attempt("192.0.2.8", 53, "curl", "error", 1800000011),
    ),
    "probe-not-done": probe_section(requested=False),
    "probe-other-token": probe_section(
        attempt("192.0.2.7", 80, "bash", "refused", 1800000010),
        token="ngp1.run2.0123456789abcdef.1800000000." + "b" * 32,
    ),
}
