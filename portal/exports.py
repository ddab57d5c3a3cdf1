"""Spreadsheet exports in the reader's language: translated headers and labels first, then
the stable code columns (English names, codes) so a file can be re-imported or compared.

Formula-safe both ways: CSV cells that a spreadsheet would run (= + - @ tab CR) get a
leading apostrophe; XLSX text cells are typed as text, which is never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from moderation.queue.export import safe_cell
from portal.locale_context import gettext

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 100_000


@dataclass(frozen=True)
class Readable:
    """A column for people: a header message id and how to read its value from a row."""

    header: str
    value: Callable[[Any], object]


def header_row(readable: Sequence[Readable], codes: Sequence[str]) -> list[str]:
    return [gettext(column.header) for column in readable] + list(codes)


def table_row(row: Any, readable: Sequence[Readable], codes: Sequence[str],
              code_of: Callable[[Any, str], object]) -> list[object]:
    return [column.value(row) for column in readable] + [code_of(row, c) for c in codes]


def csv_line(cells: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """CSV lines, header first with a BOM so spreadsheet programs read UTF-8."""
    yield "\ufeff" + csv_line(header)
    for row in rows:
        yield csv_line(row)


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list[object]]) -> bytes:
    """One sheet, bold header row frozen; every text cell typed as text."""
    # Imported here: openpyxl is 5 MB of every web worker's memory, for an export a
    # caseworker asks for now and then.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for count, row in enumerate(rows):
        if count >= XLSX_MAX_ROWS:
            break
        sheet.append(["" if v is None else v for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: "=..." is never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(name) * 2))
    workbook.properties.creator = "Minsheng"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
