"""Reading staff spreadsheets (CSV and XLSX) as tables of text, budgeted by what they
expand to.

A 1.5 KB XLSX file can declare a sheet of 16,384 columns by a million rows, unpack to
gigabytes, or carry an XML document type declaration with entities. Before openpyxl sees
a workbook, the zip is checked member by member (count, declared uncompressed sizes,
ratio) and every XML part is scanned for `<!DOCTYPE` and `<!ENTITY`; the sheet is then
read row by row with hard caps on rows, columns and cell length, never by the dimension
it declares. Call `read_table` in a worker sandbox for a limit of memory and time too.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

MB = 1024 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_HOSTILE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")


@dataclass(frozen=True)
class TableBudget:
    """The most an import may expand to."""

    max_rows: int = 5000
    max_columns: int = 64
    max_cell_chars: int = 10_000
    max_members: int = 200
    max_member_bytes: int = 32 * MB
    max_unpacked_bytes: int = 64 * MB
    max_ratio: int = 200  # unpacked / packed, per member


class TableRejected(Exception):
    """The file cannot be imported; `reason` is "bad_file", "hostile", "too_big" or "empty"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_table(data: bytes, filename: str, budget: TableBudget = TableBudget()) -> list[list[str]]:
    """The rows of a CSV or XLSX file (told apart by content) as lists of text."""
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        table = read_xlsx(data, budget)
    else:
        table = read_csv(data, budget)
    if not table:
        raise TableRejected("empty")
    return table


def read_csv(data: bytes, budget: TableBudget = TableBudget()) -> list[list[str]]:
    """Rows of a UTF-8 CSV file (a BOM is allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableRejected("bad_file") from None
    if "\x00" in text:
        raise TableRejected("bad_file")
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            _check_row(row, len(rows), budget)
            rows.append(row)
    except csv.Error:
        raise TableRejected("bad_file") from None
    return rows


def read_xlsx(data: bytes, budget: TableBudget = TableBudget()) -> list[list[str]]:
    """Rows of the first sheet of an XLSX workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive, budget)
        # Imported here: openpyxl is 5 MB of every web worker's memory, for a ledger
        # import an editor makes now and then.
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TableRejected:
        raise
    except Exception:  # zipfile, zlib and openpyxl raise many kinds on bad input
        raise TableRejected("bad_file") from None
    rows: list[list[str]] = []
    try:
        if not workbook.worksheets:
            raise TableRejected("empty")
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_row=budget.max_rows + 1,
                                      max_col=budget.max_columns + 1):
            row = [cell_text(v) for v in values]
            while row and not row[-1]:
                row.pop()
            _check_row(row, len(rows), budget)
            rows.append(row)
    except TableRejected:
        raise
    except Exception:  # as above, while the rows are read
        raise TableRejected("bad_file") from None
    finally:
        workbook.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def check_archive(archive: zipfile.ZipFile, budget: TableBudget) -> None:
    """Refuse a workbook whose zip would unpack past the budget or whose XML declares a
    document type or entities; refuse a sheet that declares itself larger than allowed."""
    members = archive.infolist()
    if len(members) > budget.max_members:
        raise TableRejected("too_big")
    if sum(m.file_size for m in members) > budget.max_unpacked_bytes:
        raise TableRejected("too_big")
    for member in members:
        if member.file_size > budget.max_member_bytes or (
                member.file_size > MB
                and member.file_size > budget.max_ratio * max(member.compress_size, 1)):
            raise TableRejected("too_big")
        if member.filename.lower().endswith(_XML_SUFFIXES):
            _scan_xml(archive, member, budget)


def _scan_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: TableBudget) -> None:
    tail = b""
    first = True
    with archive.open(member) as stream:
        while chunk := stream.read(256 * 1024):
            window = tail + chunk
            if _HOSTILE.search(window):
                raise TableRejected("hostile")
            if first and member.filename.startswith("xl/worksheets/"):
                _check_dimension(window, budget)
            first = False
            tail = window[-32:]


def _check_dimension(head: bytes, budget: TableBudget) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    last_col, last_row = found.group(3) or found.group(1), found.group(4) or found.group(2)
    if last_row and int(last_row) > budget.max_rows + 1:
        raise TableRejected("too_big")
    if last_col and _column_number(last_col) > budget.max_columns:
        raise TableRejected("too_big")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _check_row(row: list[str], index: int, budget: TableBudget) -> None:
    if index >= budget.max_rows + 1 or len(row) > budget.max_columns:
        raise TableRejected("too_big")
    if any(len(cell) > budget.max_cell_chars for cell in row):
        raise TableRejected("too_big")


def cell_text(value: Any) -> str:
    """A cell as text, whatever the reader gave (XLSX gives numbers and datetimes)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
