"""Asset registers (设备台账) as CSV and XLSX: Chinese headers, UTF-8 and GBK, zone words, and the
report's own CSV read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.inventory.sources import load_inventory_source
from netguard.inventory.sources.mapping import COLUMNS, ZONE_WORDS, fold
from netguard.model import Zone
from netguard.report import render_report
from netguard.report.csv import COLUMNS as REPORT_COLUMNS
from netguard.results import parse_results
from tests.report.conftest import lab_doc

MAPPING = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}
  - {name: inet, zone: internet, cidr: 192.168.50.0/24}
  - {name: secret, zone: classified, cidr: 10.99.0.0/24}
defaults: {ssh: {user: auditor}}
"""

REGISTER = """\
某县政府办公室计算机设备台账（2026年11月）
序号,设备名称,计算机名,IP地址,MAC地址,所属部门,责任人,存放地点,网络类型,操作系统
1,财务科电脑1,CW-PC01,10.20.0.11,00-1A-2B-3C-4D-5E,财务科,张伟,305室,政务内网,Windows 10 专业版
2,档案室电脑,DA-PC01,10.20.0.12,,档案室,李娜,201室,内网,统信UOS 20
3,门户编辑,,192.168.50.7,001a2b3c4d5f,信息中心,王芳,401室,互联网,麒麟 V10
4,外网电脑,WW-PC01,192.168.50.8,,办公室,赵磊,101室,外网,Windows 7
5,保密室,BM-PC01,10.20.0.13,,保密室,孙丽,保密室,涉密,Windows 7
6,打错的,XX-PC01,10.20.0.300,,办公室,,,,

"""


def write(tmp_path: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return write(tmp_path, "map.yaml", MAPPING)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_register_in_every_encoding(tmp_path: Path, mapping: Path, encoding: str) -> None:
    src = write(tmp_path, "台账.csv", REGISTER.replace("\n", "\r\n"), encoding)
    if encoding == "gbk":  # real GBK bytes, not UTF-8
        assert "设备名称".encode("gbk") in src.read_bytes()
    imported = load_inventory_source(str(src), mapping)
    hosts = {h.name: h for h in imported.inventory.hosts}
    assert set(hosts) == {"CW-PC01", "DA-PC01", "192.168.50.7"}
    cw = hosts["CW-PC01"]
    assert (cw.department, cw.owner, cw.location, cw.os) == ("财务科", "张伟", "305室", "windows")
    assert cw.mac == "00:1a:2b:3c:4d:5e" and cw.segment == "lan" and cw.ssh.user == "auditor"
    assert hosts["DA-PC01"].os == "linux"
    by_line = {(p.line, p.field): p.message for p in imported.problems}
    # 计算机名 is empty: named after its address, and said so
    assert "no name; named 192.168.50.7 after its address" in by_line[(5, "计算机名")]
    assert by_line[(6, "网络类型")].startswith("'外网': ambiguous: 政务外网 (extranet) or 互联网")
    assert by_line[(7, "网络类型")] == (
        "'涉密' is classified but 10.20.0.13 is in segment 'lan' (intranet)"
    )
    assert by_line[(8, "IP地址")] == "invalid IP address '10.20.0.300'"
    assert by_line[(2, "序号")] == "column not used"
    assert [p.line for p in imported.skipped] == [6, 7, 8]


def test_mapping_words_and_columns(tmp_path: Path) -> None:
    m = write(
        tmp_path,
        "m.yaml",
        MAPPING + "zones: {外网: internet}\ncolumns: {name: [终端编号], address: 终端IP}\n",
    )
    src = write(tmp_path, "r.csv", "终端编号,终端IP,网络类型\nT1,192.168.50.8,外网\n")
    imported = load_inventory_source(str(src), m)
    assert [(h.name, h.segment) for h in imported.inventory.hosts] == [("T1", "inet")]
    assert imported.problems == ()


def test_no_header_row_and_no_address_column(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "r.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="no header row"):
        load_inventory_source(str(src), mapping)
    src = write(tmp_path, "r.csv", "计算机名,所属部门\nA,B\n")
    with pytest.raises(InputError, match="no address column") as exc:
        load_inventory_source(str(src), mapping)
    assert exc.value.line == 1


def test_semicolon_and_quoted_multiline_cells_keep_line_numbers(
    tmp_path: Path, mapping: Path
) -> None:
    src = write(
        tmp_path,
        "r.csv",
        '计算机名;IP地址;存放地点\nA;10.20.0.5;"3楼\n305室"\nB;10.20.0.5;2楼\n',
    )
    imported = load_inventory_source(str(src), mapping)
    assert [(h.name, h.location) for h in imported.inventory.hosts] == [("A", "3楼 305室")]
    assert [(p.line, p.message) for p in imported.skipped] == [
        (4, f"duplicate address 10.20.0.5 (first at {src}:2)")
    ]


def test_not_text(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "r.csv", b"\x81\x30\xff\xfe")
    with pytest.raises(InputError, match="neither UTF-8 nor GBK"):
        load_inventory_source(str(src), mapping)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_csv_reads_back(tmp_path: Path, lang: str) -> None:
    """`netguard report --format csv` writes the register; importing it gives the hosts back."""
    results = parse_results(lab_doc(), "lab.json")
    src = write(tmp_path, "report.csv", render_report(results, "csv", lang), "utf-8")
    m = write(
        tmp_path,
        "m.yaml",
        "segments:\n"
        "  - {name: lab-intranet, zone: intranet, cidr: 10.20.0.0/24}\n"
        "  - {name: lab-internet, zone: internet, cidr: 198.51.100.0/24}\n",
    )
    imported = load_inventory_source(str(src), m)
    assert imported.skipped == () and imported.notes == ()
    got = [
        (h.name, str(h.address), h.segment, h.department, h.owner, h.location)
        for h in imported.inventory.hosts
    ]
    want = [
        (h["name"], h["address"], h["segment"], h["department"], h["owner"], h["location"])
        for h in lab_doc()["hosts"]
    ]
    assert sorted(got) == sorted(want)


def test_report_headers_and_zone_words_follow_the_catalogs() -> None:
    """The register's built-in headers and zone words include what the report writes."""
    from netguard.i18n import catalog

    known = {fold(h) for headers in COLUMNS.values() for h in headers}
    for lang in ("zh", "en"):
        t = catalog(lang)
        for column in ("host", "address", "zone", "segment", "department", "owner", "location"):
            assert column in REPORT_COLUMNS
            assert fold(t(f"report.col.{column}")) in known, (lang, column)
        for zone in Zone:
            assert ZONE_WORDS[t(f"zone.{zone}")] == zone, (lang, zone)


def test_xlsx_register(tmp_path: Path, mapping: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "说明"
    ws.append(["本表为计算机设备台账"])
    sheet = book.create_sheet("台账")
    sheet.append(["某县政府办公室计算机设备台账"])
    sheet.append(["序号", "计算机名", "IP地址", "所属部门", "使用人", "存放地点", "所属网络"])
    sheet.append([1, "CW-PC01", "10.20.0.11", "财务科", "张伟", 305, "政务内网"])
    sheet.append([])
    sheet.append([2, "BAD", "10.30.0.1", "办公室", "李娜", "101室", "政务内网"])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    m = write(tmp_path, "m.yaml", MAPPING + "sheet: 台账\n")
    imported = load_inventory_source(str(path), m)
    hosts = [(h.name, h.owner, h.location) for h in imported.inventory.hosts]
    assert hosts == [("CW-PC01", "张伟", "305")]
    assert [(p.line, p.field) for p in imported.skipped] == [(5, "IP地址")]
    # without `sheet:` the first sheet is read, and it has no header row
    with pytest.raises(InputError, match="no header row"):
        load_inventory_source(str(path), mapping)
    m = write(tmp_path, "m2.yaml", MAPPING + "sheet: 资产\n")
    with pytest.raises(InputError, match="no sheet '资产'; sheets: 说明, 台账"):
        load_inventory_source(str(path), m)


def test_not_an_xlsx(tmp_path: Path, mapping: Path) -> None:
    path = write(tmp_path, "r.xlsx", "计算机名,IP地址\n")
    with pytest.raises(InputError, match="not an XLSX workbook"):
        load_inventory_source(str(path), mapping)


def test_device_types_register_printers_without_auditing_them(
    tmp_path: Path, mapping: Path
) -> None:
    src = write(
        tmp_path,
        "r.csv",
        "计算机名,IP地址,设备类型,MAC地址\n"
        "PC1,10.20.0.5,台式计算机,\n"
        "PRN-305,10.20.0.200,激光打印机,00:1a:2b:3c:4d:c8\n"
        "SW1,10.20.0.254,接入交换机,\n"
        "AIO,10.20.0.6,多功能一体机,\n"
        "TC1,10.20.0.7,瘦客户机,\n",
    )
    imported = load_inventory_source(str(src), mapping)
    inv = imported.inventory
    assert [h.name for h in inv.hosts] == ["PC1"]
    assert [(h.name, h.mac) for h in inv.devices] == [
        ("PRN-305", "00:1a:2b:3c:4d:c8"),
        ("SW1", None),
    ]
    assert [(p.line, p.field) for p in imported.skipped] == [(5, "设备类型"), (6, "设备类型")]
    m = write(tmp_path, "m.yaml", MAPPING + "kinds: {瘦客户机: computer, 多功能一体机: device}\n")
    inv = load_inventory_source(str(src), m).inventory
    assert [h.name for h in inv.hosts] == ["PC1", "TC1"]
    assert "AIO" in [h.name for h in inv.devices]
    m = write(tmp_path, "m.yaml", MAPPING + "kinds: {瘦客户机: computr}\n")
    with pytest.raises(InputError, match="did you mean computer"):
        load_inventory_source(str(src), m)


def test_ipv6_rows(tmp_path: Path) -> None:
    m = write(
        tmp_path,
        "m.yaml",
        "segments:\n  - {name: lan, zone: intranet, cidr: [10.20.0.0/24, 2001:db8:20::/64]}\n",
    )
    src = write(
        tmp_path,
        "r.csv",
        "计算机名,IP地址\nA,2001:db8:20::5\nB,[2001:db8:20::6]\nC,fe80::1%eth0\nD,2001:db8:21::1\n",
    )
    imported = load_inventory_source(str(src), m)
    assert [str(h.address) for h in imported.inventory.hosts] == [
        "2001:db8:20::5",
        "2001:db8:20::6",
    ]
    assert [p.line for p in imported.skipped] == [4, 5]


def test_tab_separated_and_semicolons_inside_cells(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "r.csv", "计算机名\tIP地址\tMAC地址\nA\t10.20.0.5\t\n")
    assert [h.name for h in load_inventory_source(str(src), mapping).inventory.hosts] == ["A"]
    src = write(tmp_path, "r.csv", "台账\n计算机名,IP地址,存放地点\nA,10.20.0.5,3楼;305室\n")
    hosts = load_inventory_source(str(src), mapping).inventory.hosts
    assert [(h.name, h.location) for h in hosts] == [("A", "3楼;305室")]
