"""write_report: where the file goes, what it is called, that it appears whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguard.report import default_name, render_report, write_report
from netguard.results import Results, parse_results
from tests.report.conftest import ascii_hosts, document


def test_default_name_and_folder(lab: Results, tmp_path: Path) -> None:
    path = write_report(lab, "md", "zh", tmp_path)
    stamp = f"{lab.started:%Y%m%d-%H%M}"
    assert path == tmp_path / f"netguard-report-{stamp}-{lab.run_id[:8]}-zh.md"
    assert path.read_text(encoding="utf-8").startswith("# 网络安全合规检查报告")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind
    # the other language of the same run does not overwrite it
    assert write_report(lab, "md", "en", tmp_path) != path


def test_default_folder_is_reports(
    lab: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_report(lab, "html", "en")
    assert path.parent == Path("reports") and path.suffix == ".html"
    assert (tmp_path / path).read_text(encoding="utf-8").startswith("<!doctype html>")


def test_explicit_file_and_new_folder(lab: Results, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "office.csv"
    assert write_report(lab, "csv", "zh", target) == target
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    # a path without an extension that does not exist yet is a folder to create
    path = write_report(lab, "csv", "zh", tmp_path / "monthly")
    assert path.parent == tmp_path / "monthly" and path.name.endswith("-zh.csv")
    assert write_report(lab, "md", "zh", f"{tmp_path}/slash/").parent == tmp_path / "slash"


def test_run_id_cannot_steer_the_file_name(tmp_path: Path) -> None:
    results = parse_results(document(ascii_hosts(), run_id="../../etc/x"))
    path = write_report(results, "md", "en", tmp_path)
    assert path.parent == tmp_path and "etcx" in path.name
    assert default_name(parse_results(document([], run_id="//")), "md", "en").count("-run-") == 1


def test_bad_format(lab: Results, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_report(lab, "docx", "zh", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_time_zone_for_readers(lab: Results, tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    path = write_report(lab, "md", "zh", tmp_path, tz=shanghai)
    local = lab.started.astimezone(shanghai)
    assert f"-{local:%Y%m%d-%H%M}-" in path.name
    text = path.read_text(encoding="utf-8")
    assert f"{local:%H:%M}" in text and "北京时间" in text
    assert "UTC" not in text and "CST" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_html_written_piece_by_piece_is_the_html_rendered_whole(
    lab: Results, tmp_path: Path, lang: str
) -> None:
    path = write_report(lab, "html", lang, tmp_path / "r.html")
    assert path.read_text(encoding="utf-8") == render_report(lab, "html", lang)
