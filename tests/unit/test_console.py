"""The terminal summary shows hostile host output as inert text."""

from __future__ import annotations

import io
import ipaddress

from rich.console import Console

from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    Segment,
    Severity,
    Zone,
)
from netguard.policy import Policy
from netguard.render.console import print_summary
from netguard.results import Run

SEG = Segment("lan", Zone.INTRANET, ipaddress.ip_network("10.20.0.0/24"))


def test_control_characters_and_markup_from_hosts_stay_text() -> None:
    host = Host("pc1", ipaddress.ip_address("10.20.0.5"), "lan")
    evil = "account \x1b[2J\x1b]0;pwned\x07[bold red]x[/bold red] <script>alert(1)</script>"
    finding = Finding("password.age", "password", FindingStatus.FAIL, Severity.HIGH, evil)
    results = [
        HostResult(host, SEG, HostStatus.AUDITED, findings=(finding,)),
        HostResult(
            Host("pc2", ipaddress.ip_address("10.20.0.6"), "lan"),
            SEG,
            HostStatus.ERROR,
            detail="banner said \x1b[31m[link=x]hi[/link]",
        ),
    ]
    inv = Inventory("<t>", "", {"lan": SEG}, (results[0].host, results[1].host))
    run = Run(inv, Policy("p", "<p>", "", "", (), ()), results=results)
    buf = io.StringIO()
    print_summary(run, Console(file=buf, width=300, force_terminal=True, color_system=None))
    out = buf.getvalue()
    assert "\x1b]0;pwned" not in out and "\x1b[2J" not in out and "\x07" not in out
    assert "[bold red]x[/bold red]" in out  # shown literally, not interpreted
    assert "<script>alert(1)</script>" in out
    assert "[link=x]hi[/link]" in out
    assert "failing 1, unknown 1" in out


def test_totals_give_each_host_one_verdict() -> None:
    """A host with a failing check and an undecided one is counted once, as failing (the
    report's rule): the totals add up to the hosts."""
    host = Host("pc1", ipaddress.ip_address("10.20.0.5"), "lan")
    findings = (
        Finding("password.age", "password", FindingStatus.FAIL, Severity.HIGH, "old"),
        Finding("media.history", "media", FindingStatus.ERROR, Severity.MEDIUM, "no log"),
    )
    results = [HostResult(host, SEG, HostStatus.AUDITED, findings=findings)]
    inv = Inventory("<t>", "", {"lan": SEG}, (host,))
    run = Run(inv, Policy("p", "<p>", "", "", (), ()), results=results)
    buf = io.StringIO()
    print_summary(run, Console(file=buf, width=300, color_system=None))
    assert "compliant 0, failing 1, unknown 0" in buf.getvalue()
