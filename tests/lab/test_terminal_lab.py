"""The terminal in Chinese over the lab (issue 13): the audit's table says why the unreachable
machine could not be checked in Chinese, from its reason id, not the transport's English."""

from __future__ import annotations

import os
import sys
from typing import Any


def test_zh_console_shows_the_transport_reason_in_chinese(office_lab: Any) -> None:
    inventory = str(office_lab.inventory_path)
    proc = office_lab.lab.run_in_auditor(
        [sys.executable, "-m", "netguard", "audit", inventory, "--no-history", "-q"],
        timeout=180,
        env={**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": ""},
    )
    # spaces aside: a folded cell may break at one
    cell = _last_cell(proc.stdout, "down-pc").replace(" ", "")
    assert cell == "TCP连接端口22超时（3秒内无响应）", proc.stdout


def _last_cell(table: str, host: str) -> str:
    """The table's last column for one host, its folded lines joined."""
    rows = [line.split("│")[1:-1] for line in table.splitlines() if line.startswith("│")]
    text, inside = "", False
    for cells in rows:
        if cells[0].strip():
            inside = cells[0].strip() == host
        if inside:
            text += cells[-1].strip()
    return text
