"""The PDF: the HTML printed by headless Chromium; Chinese survives, filter controls don't print."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netguard.report import write_report
from netguard.results import Results

pytestmark = pytest.mark.browser("pdftotext")  # skipped locally without them, failed in CI


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return out.stdout.decode("utf-8")


def test_pdf_zh(lab: Results, tmp_path: Path) -> None:
    path = write_report(lab, "pdf", "zh", tmp_path)
    assert path.suffix == ".pdf" and path.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    text = pdf_text(path)
    for term in ("网络安全合规检查报告", "覆盖率", "合规率", "不符合项", "责任人", "财务科",
                 "赵敏", "route-pc", "状态不明的计算机"):  # fmt: skip
        assert term in text, term
    # the print stylesheet hides the filter box and its hint
    assert "点击表头可排序" not in text
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False)
    if pages.returncode == 0:
        assert "(A4)" in pages.stdout
