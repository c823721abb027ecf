"""The inspection record (检查记录表): what an inspector checked, how the machines were chosen,
what was found, and the digests that tie the paper to the evidence bundle — printed and signed
on the spot.

``model`` gathers it in no language (``build_record``, from the parsed results document, never
from hosts); ``view`` turns it into plain strings in one language; ``render`` makes the page
(HTML, PDF) — the template escapes everything, nothing from a host is ever marked safe.
"""

from netguard.spotcheck.record.model import (
    FORMATS,
    InspectionRecord,
    RecordHost,
    SamplingMethod,
    Signer,
    StratumRow,
    build_record,
    rederive_command,
)
from netguard.spotcheck.record.render import record_bytes, render_record_html, write_record
from netguard.spotcheck.record.view import record_view

__all__ = [
    "FORMATS",
    "InspectionRecord",
    "RecordHost",
    "SamplingMethod",
    "Signer",
    "StratumRow",
    "build_record",
    "record_bytes",
    "record_view",
    "rederive_command",
    "render_record_html",
    "write_record",
]
