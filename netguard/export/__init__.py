"""Results out, for other tools: a results document (read back through ``netguard.results``,
the one validator) as JSON Lines for a SIEM, JUnit XML and SARIF 2.1.0 for CI and code-scanning
dashboards, and a Prometheus text file for the node exporter's textfile collector.

Each format is a pure function ``Results → str`` (docs/exports.md); ``write_export`` writes it
whole or not at all, so a collector never reads half a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netguard.export.jsonl import render_jsonl
from netguard.export.junit import render_junit
from netguard.export.prometheus import render_prometheus
from netguard.export.sarif import render_sarif
from netguard.render.files import write_atomic
from netguard.results import Results

RENDERERS: dict[str, Callable[[Results], str]] = {
    "jsonl": render_jsonl,
    "junit": render_junit,
    "sarif": render_sarif,
    "prometheus": render_prometheus,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render_export(results: Results, fmt: str) -> str:
    try:
        return RENDERERS[fmt](results)
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})") from None


def write_export(results: Results, fmt: str, path: str | Path) -> None:
    """The export written atomically (temp file in the same folder, then rename)."""
    write_atomic(path, render_export(results, fmt))


__all__ = ["FORMATS", "RENDERERS", "render_export", "write_export"]
