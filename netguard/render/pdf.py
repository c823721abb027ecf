"""PDF: the HTML document printed by a headless Chromium.

Why Chromium: the PDF must print the HTML report faithfully, print stylesheet and inline SVG
included, and Chromium is the engine the HTML is tested in. Chinese text needs a CJK font known
to fontconfig (Debian: fonts-noto-cjk). Chromium comes from Debian's `chromium` package, or any
Chrome named by NETGUARD_CHROMIUM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from netguard.errors import RenderError
from netguard.render.files import write_atomic

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# No network, no profile, no first-run work: the document is a local file with nothing external.
FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-quic",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)


def find_chromium() -> str:
    named = os.environ.get("NETGUARD_CHROMIUM")
    if named:
        if shutil.which(named):
            return named
        raise RenderError(f"NETGUARD_CHROMIUM={named!r} is not an executable")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        "PDF needs Chromium or Chrome (Debian: apt install chromium fonts-noto-cjk), "
        "or set NETGUARD_CHROMIUM; HTML, Markdown and CSV work without it"
    )


def html_to_pdf(html: str, pdf_path: str | Path, *, timeout: float = 300.0) -> None:
    """Print an HTML document to pdf_path (written whole or not at all)."""
    exe = find_chromium()
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="netguard-pdf-") as tmp:
        src = Path(tmp, "document.html")
        src.write_text(html, encoding="utf-8")
        out = Path(tmp, "document.pdf")
        argv = [exe, *FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}"]
        if os.geteuid() == 0:
            argv.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
        argv.append(src.as_uri())
        try:
            proc = subprocess.run(
                argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
            )
        except subprocess.TimeoutExpired:
            raise RenderError(f"Chromium did not finish the PDF within {timeout:.0f} s") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(
                f"Chromium produced no PDF (exit {proc.returncode}): {' | '.join(tail)}"
            )
        write_atomic(pdf_path, out.read_bytes())
