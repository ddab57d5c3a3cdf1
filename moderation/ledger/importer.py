"""Import of the ledger from CSV or XLSX (columns: `columns.COLUMNS`), all or nothing.

Rows are keyed by explicit ids: an empty id (or "new") creates an item, a known id
updates it, an unknown id is an error. Every row is checked and applied in the
caller's transaction, through the same domain functions as the web forms (so each
change is audited and versioned, and an unchanged row writes nothing). When any row
fails, the session is rolled back and `ImportFailed` lists every error: row number
(as a spreadsheet shows it: the header is row 1), column and message id. The caller
commits only when `import_ledger` returns.

A new item cannot be the parent of another new row in the same file (it has no id yet):
import the parents, export, then add the children. Status is set as given: a file may
record items already verified (no verification row is made for them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from moderation.clock import Clock, system_clock
from moderation.errors import DomainError, StaleVersion, ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.columns import (
    COLUMNS,
    FIELD_COLUMN,
    LOCALIZED,
    TEXT_COLUMNS,
    measures_of,
    parse_bool,
    parse_date,
    parse_int,
    parse_status,
    restore,
)
from moderation.ledger.items import apply_status, create_item, set_progress, update_item
from moderation.ledger.models import DEFAULT_PROGRESS, LedgerCategory, LedgerItem
from moderation.ledger.rollup import has_children
from moderation.ledger.validation import LIMITS, LOCALES
from moderation.roles import Actor
from moderation.spreadsheet import TableBudget, TableRejected, read_table
from moderation.units import Unit

MAX_ROWS = 5_000


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header row
    column: str
    message: str  # an English message id


class ImportFailed(DomainError):
    """The file was refused; nothing was changed. `errors` lists every problem."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the import")
        self.errors = errors


@dataclass
class ImportSummary:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


# ---------------------------------------------------------------- reading files

REJECTIONS = {"bad_file": m.BAD_FILE, "hostile": m.HOSTILE_FILE, "too_big": m.FILE_TOO_BIG,
              "empty": m.EMPTY_FILE}


def read_file(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file (told apart by content), keyed by the header.

    The file is read within the spreadsheet budget (see moderation.spreadsheet); a hostile
    or oversized file raises ImportFailed like any other unreadable file.
    """
    try:
        table = read_table(data, filename, TableBudget(max_rows=MAX_ROWS + 1))
    except TableRejected as refused:
        raise ImportFailed([RowError(1, "", REJECTIONS[refused.reason])]) from None
    is_csv = not (data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"))
    return _keyed(table, restore_text=is_csv)


def _keyed(table: list[list[str]], *, restore_text: bool) -> list[dict[str, str]]:
    if not table:
        raise ImportFailed([RowError(1, "", m.EMPTY_FILE)])
    header = [h.strip() for h in table[0]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        raise ImportFailed([RowError(1, c, m.BAD_HEADER) for c in (missing + extra or [""])])
    rows = []
    for values in table[1:]:
        row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
        if restore_text:
            row = {k: restore(v) if k in TEXT_COLUMNS else v for k, v in row.items()}
        rows.append(row)
    if len(rows) > MAX_ROWS:
        raise ImportFailed([RowError(MAX_ROWS + 2, "", m.BAD_FILE)])
    return rows


# ---------------------------------------------------------------- checking a row

@dataclass
class _Parsed:
    item_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    status: Any = None
    progress: int | None = None
    version: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


def _parse(row: dict[str, str], units: dict[str, int], cats: dict[str, int]) -> _Parsed:
    out = _Parsed()

    def take(column: str, parser: Callable[[str], Any], message: str) -> Any:
        text = row.get(column, "").strip()
        if not text:
            return None
        try:
            return parser(text)
        except ValueError:
            out.errors.append((column, message))
            return None

    raw_id = row.get("id", "").strip()
    if raw_id.lower() != "new":
        out.item_id = take("id", parse_int, m.BAD_NUMBER)
    out.version = take("version", parse_int, m.BAD_NUMBER)
    out.progress = take("progress", parse_int, m.BAD_PROGRESS)
    out.status = take("status", parse_status, m.BAD_STATUS)
    if out.status is None and ("status", m.BAD_STATUS) not in out.errors:
        out.errors.append(("status", m.REQUIRED))
    values = out.values
    values["parent_id"] = take("parent_id", parse_int, m.BAD_NUMBER)
    values["code"] = row.get("code", "")
    for field_name, prefix in LOCALIZED.items():
        values[field_name] = {lang: row.get(f"{prefix}_{lang}", "") for lang in LOCALES}
    for field_name, prefix in LOCALIZED.items():
        for lang in LOCALES:
            if len(row.get(f"{prefix}_{lang}", "").strip()) > LIMITS[field_name]:
                out.errors.append((f"{prefix}_{lang}", m.TOO_LONG))
    values["measures"] = measures_of(row)
    values["lead_official"] = row.get("lead_official", "")
    values["starts_on"] = take("starts_on", parse_date, m.BAD_DATE)
    values["deadline"] = take("deadline", parse_date, m.BAD_DATE)
    weight = take("weight", parse_int, m.BAD_WEIGHT)
    values["weight"] = 1 if weight is None else weight
    position = take("position", parse_int, m.BAD_NUMBER)
    values["position"] = 0 if position is None else position
    public = take("public", parse_bool, m.BAD_BOOLEAN)
    values["public"] = bool(public)
    unit_code = row.get("unit", "").strip()
    values["unit_id"] = units.get(unit_code)
    if not unit_code:
        out.errors.append(("unit", m.REQUIRED))
    elif values["unit_id"] is None:
        out.errors.append(("unit", m.UNKNOWN_UNIT))
    category_code = row.get("category", "").strip()
    values["category_id"] = cats.get(category_code) if category_code else None
    if category_code and values["category_id"] is None:
        out.errors.append(("category", m.UNKNOWN_CATEGORY))
    if out.progress is not None and not 0 <= out.progress <= 100:
        out.errors.append(("progress", m.BAD_PROGRESS))
    return out


# ---------------------------------------------------------------- applying rows

def _apply(session: Session, actor: Actor, parsed: _Parsed, summary: ImportSummary,
           versions: dict[int, int], clock: Clock) -> None:
    if parsed.item_id is None:
        item = create_item(session, actor, parsed.values, status=parsed.status, clock=clock)
        assert item.id is not None
        if parsed.progress is not None and parsed.progress != DEFAULT_PROGRESS[item.status]:
            set_progress(session, actor, item.id, parsed.progress, version=None, clock=clock)
        summary.created.append(item.id)
        return
    item = session.get(LedgerItem, parsed.item_id)
    assert item is not None
    # Compare with the version before this import: earlier rows may have rolled up
    # into this item and moved its version since.
    if parsed.version is not None and parsed.version != versions[parsed.item_id]:
        raise StaleVersion(m.STALE_ROW)
    version = item.version
    update_item(session, actor, parsed.item_id, parsed.values, version=None, clock=clock)
    apply_status(session, actor, item, parsed.status, clock=clock)
    if parsed.progress is not None and parsed.progress != item.progress \
            and not has_children(session, parsed.item_id):
        set_progress(session, actor, parsed.item_id, parsed.progress, version=None,
                     clock=clock)
    (summary.updated if item.version != version else summary.unchanged).append(item.id)


def import_ledger(session: Session, actor: Actor, rows: list[dict[str, str]], *,
                  clock: Clock = system_clock) -> ImportSummary:
    """Apply every row, or none: on any error the session is rolled back and
    `ImportFailed` lists the errors of every row."""
    units = {u.code: u.id for u in session.exec(select(Unit)) if u.id is not None}
    cats = {c.code: c.id for c in session.exec(select(LedgerCategory)) if c.id is not None}
    versions = {item_id: version for item_id, version
                in session.exec(select(LedgerItem.id, LedgerItem.version))
                if item_id is not None}
    known = set(versions)
    errors: list[RowError] = []
    seen: set[int] = set()
    summary = ImportSummary()
    for number, row in enumerate(rows, start=2):
        if not any(str(v).strip() for v in row.values()):
            continue
        parsed = _parse(row, units, cats)
        if parsed.item_id is not None:
            if parsed.item_id not in known:
                parsed.errors.append(("id", m.UNKNOWN_ID))
            elif parsed.item_id in seen:
                parsed.errors.append(("id", m.DUPLICATE_ID))
            seen.add(parsed.item_id)
        if parsed.errors:
            errors.extend(RowError(number, c, msg) for c, msg in parsed.errors)
            continue
        try:
            _apply(session, actor, parsed, summary, versions, clock)
        except ValidationFailed as failed:
            errors.extend(RowError(number, FIELD_COLUMN.get(f, f), msg)
                          for f, msg in failed.errors.items())
        except StaleVersion:
            errors.append(RowError(number, "version", m.STALE_ROW))
        except SQLAlchemyError:
            # The database refused a row the checks let through; stop here.
            errors.append(RowError(number, "", m.BAD_FILE))
            break
    if errors:
        session.rollback()
        raise ImportFailed(errors)
    return summary
