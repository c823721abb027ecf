"""Asset registers (设备台账) as CSV or XLSX: one row per device, Chinese or English headers.

The header row is the first of the first ``HEADER_ROWS`` rows that names at least two known
fields (a register often starts with a title row, 某某局计算机设备台账); the headers map to
fields through ``mapping.COLUMNS`` and the mapping file's ``columns``. A column nobody maps is
ignored — it is listed once in the import report. CSV files are UTF-8 (with or without a BOM)
or, failing that, GB18030 — the superset of GBK that Excel on a Chinese Windows writes; the CSV
``netguard report --format csv`` writes reads back.

Line numbers are the file's: the CSV line a row starts on, the XLSX row number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from netguard.errors import InputError
from netguard.inventory.sources.build import Entry, Problem
from netguard.inventory.sources.mapping import Mapping, fold

HEADER_ROWS = 10
#: The report CSV (report/csv.py) writes a cell that would start a formula with an apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (a BOM is dropped), else
    GB18030 (GBK and GB2312 are subsets of it)."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError("neither UTF-8 nor GBK/GB18030 text", line=line) from None


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("register file not found", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read register file: {exc.strerror or exc}", file=path) from None


def csv_rows(path: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every record of a CSV file; a record's line is where it starts."""
    raw = _read_bytes(path)
    try:
        text, _ = decode(raw)
    except InputError as exc:
        raise InputError(exc.message, file=path, line=exc.line) from None
    # the delimiter Excel used (a comma, or a semicolon in locales with a decimal comma, or a
    # tab): the most frequent of the three in the first lines — title rows have none of them
    head = "\n".join(text.splitlines()[:HEADER_ROWS])
    delimiter = max(",;\t", key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def xlsx_rows(path: str, sheet: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of one sheet (the first when none is named)."""
    import zipfile

    from openpyxl import load_workbook

    _read_bytes(path)  # a missing file is said the same way as for CSV
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"not an XLSX workbook ({exc})", file=path) from None
    ws: Any
    try:
        if sheet:
            if sheet not in book.sheetnames:
                raise InputError(
                    f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}",
                    file=path,
                    field="sheet",
                )
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in row]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a port or a room number typed as a number
    return str(value)


def _value(cell: str) -> str:
    # a line break typed into a cell (Alt+Enter in Excel) is a space in a one-line field
    text = " ".join(cell.replace("\r\n", "\n").split("\n")).strip()
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]  # the report's guard against formulas, taken off again
    return text


def read_register(path: str, mapping: Mapping, problems: list[Problem], kind: str) -> list[Entry]:
    rows = xlsx_rows(path, mapping.sheet) if kind == "xlsx" else csv_rows(path)
    return entries(path, rows, mapping, problems)


def entries(
    path: str,
    rows: Iterable[tuple[int, list[str]]],
    mapping: Mapping,
    problems: list[Problem],
) -> list[Entry]:
    """One entry per data row under the header row; blank rows are passed over."""
    it = iter(rows)
    header: list[str] | None = None
    header_line = 0
    for number, cells in it:
        known = [mapping.columns.get(fold(c)) for c in cells]
        if len({k for k in known if k}) >= 2:
            header, header_line = cells, number
            break
        if number >= HEADER_ROWS:
            break
    if header is None:
        raise InputError(
            f"no header row in the first {HEADER_ROWS} rows: expected columns such as "
            "设备名称/计算机名, IP地址, 所属部门 (or a `columns:` entry in the mapping file)",
            file=path,
        )
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        field = mapping.columns.get(fold(text))
        if field is None:
            if text.strip():
                problems.append(
                    Problem(path, header_line, text.strip(), "column not used", False, info=True)
                )
            continue
        if field in columns:
            first = header[columns[field]].strip()
            used, unused = (text.strip(), first)
            if mapping.rank(first) <= mapping.rank(text):
                used, unused = first, text.strip()
            else:
                columns[field] = index
            problems.append(
                Problem(
                    path,
                    header_line,
                    unused,
                    f"a second {field} column ({used!r} is used)",
                    False,
                    info=True,
                )
            )
            continue
        columns[field] = index
    if "address" not in columns:
        raise InputError(
            "no address column (IP地址); the headers are: "
            + ", ".join(h.strip() for h in header if h.strip()),
            file=path,
            line=header_line,
        )
    labels = {f: header[i].strip() for f, i in columns.items()}
    out: list[Entry] = []
    for number, cells in it:
        if not any(c.strip() for c in cells):
            continue
        values = {f: _value(cells[i]) if i < len(cells) else "" for f, i in columns.items()}
        out.append(
            Entry(
                line=number,
                name=values.get("name", ""),
                address=values["address"],
                labels=labels,
                segment=values.get("segment", ""),
                zone=values.get("zone", ""),
                department=values.get("department", ""),
                owner=values.get("owner", ""),
                location=values.get("location", ""),
                mac=values.get("mac", ""),
                os=values.get("os", ""),
                kind=values.get("kind", ""),
            )
        )
    return out
