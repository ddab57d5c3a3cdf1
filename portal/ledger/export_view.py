"""The ledger's CSV and XLSX exports in the reader's language.

Readable columns first (translated headers; title, unit, category and status as the
reader reads them), then every code column of `moderation.ledger.columns.COLUMNS`. The
import reads the code columns and skips the readable ones (in every
UI language, `readable_headers`), so an exported file can be edited and imported again.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlmodel import Session, select

from moderation.ledger.columns import COLUMNS
from moderation.ledger.export import ledger_rows
from moderation.ledger.models import LedgerCategory, LedgerStatus
from moderation.sqltypes import pick
from moderation.units import Unit
from portal.exports import Readable, csv_lines, header_row, table_row, xlsx_bytes
from portal.i18n import translations
from portal.ledger.labels import ledger_label
from portal.locale_context import current_locale, gettext
from portal.locale_context import lazy_gettext as N_

HEADERS = (N_("Item"), N_("Responsible unit"), N_("Category"), N_("Status"),
           N_("Progress (%)"), N_("Deadline"), N_("Public"))
LOCALES = ("zh_CN", "en")


@cache
def readable_headers() -> frozenset[str]:
    """The readable columns' headers in every UI language (the import skips them)."""
    return frozenset(translations(locale).gettext(h) for h in HEADERS for locale in LOCALES)


def _readable(db: Session) -> list[Readable]:
    locale = current_locale.get()
    units = {u.code: pick(u.name, locale, "zh_CN") for u in db.exec(select(Unit))}
    categories = {c.code: pick(c.name, locale, "zh_CN") for c in db.exec(select(LedgerCategory))}
    statuses = {s.value: ledger_label(s) for s in LedgerStatus}
    yes, no = gettext("Yes"), gettext("No")
    other = "en" if locale.startswith("zh") else "zh_CN"
    title = f"title_{'zh_CN' if locale.startswith('zh') else 'en'}"
    return [
        Readable(HEADERS[0], lambda r: r[title] or r[f"title_{other}"]),
        Readable(HEADERS[1], lambda r: units.get(r["unit"], r["unit"])),
        Readable(HEADERS[2], lambda r: categories.get(r["category"], r["category"])),
        Readable(HEADERS[3], lambda r: statuses.get(r["status"], r["status"])),
        Readable(HEADERS[4], lambda r: r["progress"]),
        Readable(HEADERS[5], lambda r: r["deadline"]),
        Readable(HEADERS[6], lambda r: yes if r["public"] == "yes" else no),
    ]


def _code(row: dict[str, Any], column: str) -> object:
    return row[column]


def _table(db: Session) -> tuple[list[str], list[list[object]]]:
    readable = _readable(db)
    rows = [table_row(r, readable, COLUMNS, _code) for r in ledger_rows(db)]
    return header_row(readable, COLUMNS), rows


def ledger_csv(db: Session) -> str:
    """The ledger as CSV text (BOM first), readable columns then code columns."""
    header, rows = _table(db)
    return "".join(csv_lines(header, rows))


def ledger_xlsx(db: Session) -> bytes:
    """The ledger as an XLSX workbook, readable columns then code columns."""
    header, rows = _table(db)
    return xlsx_bytes(gettext("Rectification ledger"), header, rows)
