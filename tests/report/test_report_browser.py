"""The HTML report in a real browser (Debian's Chromium through Playwright): it loads with no
network and no errors, hostile host data never runs, and the host table filters and sorts —
on the lab, and on 12,000 rows."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netguard.render.pdf import find_chromium
from netguard.report import build_report, render_report
from netguard.report.model import Report
from netguard.results import parse_results
from tests.report.conftest import IMG, SCRIPT, hostile_hosts, lab_doc

pytestmark = pytest.mark.browser("playwright")  # skipped locally without them, failed in CI
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path("/tmp")  # a copy of each screenshot, for people to look at


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright import sync_api  # here: the browser mark has checked it is installed

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=find_chromium(), args=ARGS)
        yield b
        b.close()


class Page:
    """A page with everything it does recorded: console errors, page errors, requests,
    dialogs (an alert() from injected host data would open one)."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri(), wait_until="load")

    def _console(self, msg: Any) -> None:
        if msg.type in ("error", "warning"):
            self.errors.append(f"console {msg.type}: {msg.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visible_rows(self) -> int:
        return int(
            self.page.eval_on_selector_all("#host-table tbody tr:not([hidden])", "r => r.length")
        )

    def shown(self) -> str:
        return str(self.page.text_content("#host-shown"))

    def column(self, col: int, n: int = 3) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "#host-table tbody tr:not([hidden])",
                f"rs => rs.slice(0, {n}).map(r => r.cells[{col}].textContent)",
            )
        )

    def filter_text(self, text: str, expect: int, timeout: float = 20.0) -> None:
        """Type into the filter box and wait out its debounce. (Polled from here: the page's
        CSP forbids the eval that wait_for_function would need — as it should.)"""
        self.page.fill("#host-filter", text)
        deadline = time.monotonic() + timeout
        while self.shown() != str(expect) and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
        assert self.shown() == str(expect)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []  # no alert() from host data
        assert self.page.evaluate("typeof window.__pwned") == "undefined"
        assert all(u.startswith(("file:", "data:")) for u in self.requests), self.requests


def _write(tmp_path: Path, report: Report, lang: str) -> Path:
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_report(report, "html", lang), encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lab_report_in_browser(browser: Any, tmp_path: Path, lang: str) -> None:
    doc = lab_doc()
    doc["hosts"] += hostile_hosts()
    report = build_report(parse_results(doc, "<lab+hostile>"))
    n = len(report.hosts)
    page = Page(browser, _write(tmp_path, report, lang))
    pg = page.page
    page.assert_clean()
    assert page.visible_rows() == n and page.shown() == str(n)

    # hostile names are text on the page
    assert pg.locator("#host-table tbody tr", has_text=SCRIPT).count() == 1
    assert pg.locator("#host-table tbody tr", has_text=IMG).count() == 1
    assert pg.locator("#host-table img, #violations img").count() == 0

    # filter: text, then verdict, then zone; the count follows
    page.filter_text("dual-pc", 1)
    assert page.visible_rows() == 1 and page.column(0) == ["dual-pc"]
    page.filter_text("", n)
    unknown = sum(v.verdict == "unknown" for v in report.hosts)
    pg.select_option("#verdict-filter", "unknown")
    assert page.visible_rows() == unknown and page.shown() == str(unknown)
    pg.select_option("#verdict-filter", "")
    pg.select_option("#zone-filter", "internet")
    assert page.visible_rows() == 1 and page.column(0) == ["inet-pc"]
    pg.select_option("#zone-filter", "")
    assert page.visible_rows() == n

    # sort: by address (numerically), both ways; then by verdict (failing first)
    address = pg.locator("#host-table th[data-col='1']")
    address.click()
    assert address.get_attribute("aria-sort") == "ascending"
    assert page.column(1) == ["10.20.0.11", "10.20.0.12", "10.20.0.13"]
    address.click()
    assert address.get_attribute("aria-sort") == "descending"
    assert page.column(1, 1) == ["198.51.100.30"]
    pg.locator("#host-table th[data-col='8']").click()
    assert address.get_attribute("aria-sort") == "none"
    failing = sum(v.verdict == "failing" for v in report.hosts)
    column = page.column(8, n)
    assert len(set(column[:failing])) == 1 and column[failing] != column[0]
    # a filter still applies to the sorted rows
    page.filter_text("room 10", 9)

    page.assert_clean()
    shot = tmp_path / f"netguard-report-{lang}.png"
    page.filter_text("", n)
    pg.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, SHOTS / shot.name)
    print(f"screenshot ({lang}): {shot} (copy: {SHOTS / shot.name})")
    assert shot.stat().st_size > 50_000
    pg.close()


@pytest.mark.slow
def test_big_fleet_filters_and_sorts(browser: Any, tmp_path: Path) -> None:
    from tests.scale.test_report_fleet import _fleet, naive_verdict

    doc, report = _fleet()
    n = len(report.hosts)
    page = Page(browser, _write(tmp_path, report, "zh"))
    pg = page.page
    page.assert_clean()
    assert page.visible_rows() == n

    dept = "财务局"
    in_dept = sum(h["department"] == dept for h in doc["hosts"])
    page.filter_text(dept, in_dept)
    assert page.visible_rows() == in_dept
    failing = sum(h["department"] == dept and naive_verdict(h) == "failing" for h in doc["hosts"])
    pg.select_option("#verdict-filter", "failing")
    assert page.visible_rows() == failing

    pg.locator("#host-table th[data-col='1']").click()
    addresses = pg.eval_on_selector_all(
        "#host-table tbody tr:not([hidden])", "rs => rs.map(r => r.cells[1].dataset.v)"
    )
    assert len(addresses) == failing and addresses == sorted(addresses)
    page.filter_text("", sum(naive_verdict(h) == "failing" for h in doc["hosts"]))
    pg.select_option("#verdict-filter", "")
    assert page.visible_rows() == n
    page.assert_clean()
    pg.close()
