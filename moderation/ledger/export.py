"""The ledger as CSV or XLSX, in the fixed columns of `columns.COLUMNS`.

Internal items are included: exports are for staff and leaders. Rows are ordered by id,
so a parent created before its children comes first.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlmodel import Session, col, select

from moderation.ledger.columns import COLUMNS, TEXT_COLUMNS, defused_row, item_row
from moderation.ledger.models import LedgerCategory, LedgerItem
from moderation.units import Unit

SHEET_TITLE = "ledger"


def ledger_rows(session: Session) -> list[dict[str, Any]]:
    """Every item as a file row."""
    units = {u.id: u.code for u in session.exec(select(Unit)) if u.id is not None}
    cats = {c.id: c.code for c in session.exec(select(LedgerCategory)) if c.id is not None}
    items = session.exec(select(LedgerItem).order_by(col(LedgerItem.id)))
    return [item_row(item, units, cats) for item in items]


def export_csv(session: Session) -> str:
    """The ledger as CSV text (header row first; encode as UTF-8 with a BOM for Excel)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in ledger_rows(session):
        writer.writerow(defused_row(row))
    return out.getvalue()


def export_xlsx(session: Session) -> bytes:
    """The ledger as an XLSX workbook with one sheet, header row first."""
    from openpyxl import Workbook  # imported late: ~15 MB per worker otherwise
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(list(COLUMNS))
    for row in ledger_rows(session):
        sheet.append([row[c] for c in COLUMNS])
    # Text must stay text: openpyxl would turn a value starting with "=" into a formula.
    for cells in sheet.iter_rows(min_row=2):
        for column, cell in zip(COLUMNS, cells, strict=True):
            if column in TEXT_COLUMNS and isinstance(cell.value, str):
                cell.data_type = "s"
    workbook.properties.creator = "Minsheng"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
