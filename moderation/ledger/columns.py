"""The fixed columns of the ledger's CSV and XLSX files, and how a row maps to an item.

Columns, in file order (`COLUMNS`):

  id               the item's id; empty (or "new") on a row that creates an item
  parent_id        id of the parent item (must already exist); empty for a top item
  code             optional stable reference, unique (e.g. WZGJ-01)
  title_zh_CN      title in Chinese          title_en        title in English
  description_zh_CN / description_en         staff description (internal)
  summary_zh_CN / summary_en                 public summary
  category         code of the chronic-problem category; may be empty
  unit             code of the responsible unit (required)
  lead_official    the official leading the rectification
  measures_zh_CN / measures_en   one measure per line; line n of each column is measure n
  starts_on        YYYY-MM-DD or empty      deadline        YYYY-MM-DD or empty
  status           planned | in_progress | rectified | verified
  progress         0-100; empty means "the default of the status" (new items) or
                   "unchanged"; ignored for items with sub-items (rolled up)
  weight           whole number 0-1000, the item's weight in its parent's roll-up
  position         display order among siblings
  public           yes | no
  version          the version exported; an update is refused if the item changed since

In CSV, text cells that begin with = + - @ are written with a leading apostrophe so
spreadsheet programs do not run them as formulas; the CSV import removes it again. In
XLSX they are stored as typed text cells, which are never formulas.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from moderation.ledger.models import LedgerItem, LedgerStatus
from moderation.ledger.validation import LOCALES

COLUMNS: tuple[str, ...] = (
    "id", "parent_id", "code",
    "title_zh_CN", "title_en", "description_zh_CN", "description_en",
    "summary_zh_CN", "summary_en",
    "category", "unit", "lead_official", "measures_zh_CN", "measures_en",
    "starts_on", "deadline", "status", "progress", "weight", "position", "public", "version",
)
LOCALIZED = {"title": "title", "description": "description", "public_summary": "summary"}
INT_COLUMNS = frozenset({"id", "parent_id", "progress", "weight", "position", "version"})
TEXT_COLUMNS = frozenset(
    {"code", "lead_official"}
    | {f"{prefix}_{lang}" for prefix in (*LOCALIZED.values(), "measures") for lang in LOCALES})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
YES = frozenset({"yes", "y", "true", "1", "是"})
NO = frozenset({"no", "n", "false", "0", "否"})
# Where a domain validation error on a field is reported.
FIELD_COLUMN = {
    "title": "title_zh_CN", "description": "description_zh_CN",
    "public_summary": "summary_zh_CN", "measures": "measures_zh_CN", "unit_id": "unit",
    "category_id": "category", "parent_id": "parent_id", "code": "code",
    "lead_official": "lead_official", "starts_on": "starts_on", "deadline": "deadline",
    "weight": "weight", "public": "public", "progress": "progress", "position": "position",
}


def defuse(text: str) -> str:
    """Text safe to open in a spreadsheet (no formula)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    """Undo `defuse`."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def item_row(item: LedgerItem, unit_codes: dict[int, str],
             category_codes: dict[int, str]) -> dict[str, Any]:
    """The file row of an item (ints stay ints; everything else is text)."""
    row: dict[str, Any] = {
        "id": item.id, "parent_id": item.parent_id, "code": item.code or "",
        "category": category_codes.get(item.category_id or -1, ""),
        "unit": unit_codes.get(item.unit_id, ""), "lead_official": item.lead_official,
        "starts_on": item.starts_on.isoformat() if item.starts_on else "",
        "deadline": item.deadline.isoformat() if item.deadline else "",
        "status": item.status.value, "progress": item.progress, "weight": item.weight,
        "position": item.position, "public": "yes" if item.public else "no",
        "version": item.version,
    }
    for field, prefix in LOCALIZED.items():
        text = getattr(item, field) or {}
        for lang in LOCALES:
            row[f"{prefix}_{lang}"] = text.get(lang, "")
    for lang in LOCALES:
        row[f"measures_{lang}"] = "\n".join(m.get(lang, "") for m in item.measures)
    return row


def defused_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row for CSV: text cells defused, None as empty."""
    return {k: (defuse(v) if k in TEXT_COLUMNS and isinstance(v, str) else
                "" if v is None else v) for k, v in row.items()}


def parse_int(text: str) -> int:
    """A whole number (raises ValueError)."""
    text = text.strip()
    if not text.lstrip("-").isdigit():
        raise ValueError(text)
    return int(text)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise ValueError(text)


def parse_date(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None


def parse_status(text: str) -> LedgerStatus:
    return LedgerStatus(text.strip())


def measures_of(row: dict[str, str]) -> list[dict[str, str]]:
    """The measures of a row: line n of each language column is measure n."""
    lines = {lang: row.get(f"measures_{lang}", "").replace("\r\n", "\n").split("\n")
             for lang in LOCALES}
    count = max(len(v) for v in lines.values())
    out = []
    for index in range(count):
        measure = {lang: lines[lang][index] for lang in LOCALES if index < len(lines[lang])}
        if any(text.strip() for text in measure.values()):
            out.append(measure)
    return out
