"""The inspection record as a printable page: HTML, and PDF through headless Chromium."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from netguard.errors import InputError
from netguard.i18n import LANGS, catalog
from netguard.render.files import write_atomic
from netguard.render.html import environment
from netguard.spotcheck.record.model import (
    FORMATS,
    InspectionRecord,
)
from netguard.spotcheck.record.view import record_view

# --- HTML and PDF ------------------------------------------------------------------------------


def render_record_html(record: InspectionRecord, lang: str, tz: tzinfo | None = None) -> str:
    """The record as one self-contained, printable HTML page (A4)."""
    view = record_view(record, lang, tz)
    template = environment().get_template("record.html.j2")
    return template.render(v=view, t=catalog(lang), version=view["version"])


def record_bytes(record: InspectionRecord, fmt: str, lang: str, tz: tzinfo | None = None) -> bytes:
    """The record as HTML or PDF bytes. PDF needs Chromium (RenderError when there is none or
    it fails)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown record format {fmt!r} (one of {', '.join(FORMATS)})")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    html = render_record_html(record, lang, tz)
    if fmt == "html":
        return html.encode("utf-8")
    import tempfile

    from netguard.render.pdf import html_to_pdf

    with tempfile.TemporaryDirectory(prefix="netguard-record-") as tmp:
        pdf = Path(tmp, "record.pdf")
        html_to_pdf(html, pdf)
        return pdf.read_bytes()


def write_record(
    record: InspectionRecord,
    fmt: str,
    lang: str,
    path: str | Path,
    tz: tzinfo | None = None,
) -> Path:
    """Write the record to path as HTML or PDF, whole or not at all (no file is written when
    the PDF cannot be made)."""
    data = record_bytes(record, fmt, lang, tz)
    write_atomic(path, data)
    return Path(path)
