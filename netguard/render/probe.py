"""A correlation on a terminal: the probes that arrived, by host, and what proved nothing
(the document's ``probe`` block, docs/results-schema.md). Host text is cleaned."""

from __future__ import annotations

from typing import Any

from netguard.render.text import clean


def probe_text(block: dict[str, Any]) -> str:
    """What a correlation found: probes that arrived, by host, and what proved nothing."""
    lines = [f"arrived: {len(block['accepted'])}, rejected: {len(block['rejected'])}"]
    for a in block["accepted"]:
        lines.append(
            f"  ARRIVED  {clean(a['host'])}: {a['proto']} port {a['port']} at {a['arrived_at']}"
            f" from {a['source']}"
        )
    for r in block["rejected"]:
        what = clean(r["token"][:40]) or "no token"
        lines.append(f"  rejected line {r['line']}: {r['reason']} ({what}, from {r['source']})")
    return "\n".join(lines) + "\n"
