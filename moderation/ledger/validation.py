"""Checks on the fields of a ledger item; all errors are raised together.

`clean_item_values` takes a partial dict of field values (as a form or an import row
gives them, already typed) and returns the cleaned dict, or raises
`ValidationFailed({field: message_id})`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session, select

from moderation.errors import ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.models import (
    CODE_MAX,
    DESCRIPTION_MAX,
    LEAD_MAX,
    MEASURE_MAX,
    MEASURES_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WEIGHT_MAX,
    LedgerCategory,
    LedgerItem,
)
from moderation.units import Unit

LOCALES = ("zh_CN", "en")
EDITABLE = frozenset({
    "code", "parent_id", "weight", "position", "title", "description", "public_summary",
    "category_id", "unit_id", "lead_official", "measures", "starts_on", "deadline", "public",
})
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
LIMITS = {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "public_summary": SUMMARY_MAX}


def clean_localized(value: Any, limit: int) -> tuple[dict[str, str], str | None]:
    """Strip each language's text, drop empty ones; return (text, error message id)."""
    if not isinstance(value, dict):
        return {}, m.REQUIRED
    # One line-break form, so CSV and XLSX round trips give back the same text.
    out = {lang: str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
           for lang, text in value.items() if lang in LOCALES and str(text or "").strip()}
    if any(_BAD_CHARS.search(text) for text in out.values()):
        return out, m.BAD_TEXT
    if any(len(text) > limit for text in out.values()):
        return out, m.TOO_LONG
    return out, None


def _clean_measures(value: Any) -> tuple[list[dict[str, str]], str | None]:
    if not isinstance(value, list):
        return [], m.REQUIRED
    if len(value) > MEASURES_MAX:
        return [], m.TOO_MANY_MEASURES
    out = []
    for measure in value:
        text, error = clean_localized(measure, MEASURE_MAX)
        if error:
            return [], error
        if any("\n" in line for line in text.values()):
            return [], m.MEASURE_ONE_LINE
        if text:
            out.append(text)
    return out, None


def _descendant_ids(session: Session, item_id: int) -> set[int]:
    found: set[int] = set()
    frontier = [item_id]
    while frontier:
        children = session.exec(select(LedgerItem.id).where(
            LedgerItem.parent_id.in_(frontier))).all()  # type: ignore[union-attr]
        frontier = [c for c in children if c is not None and c not in found]
        found.update(frontier)
    return found


def _check_links(session: Session, values: dict[str, Any], item: LedgerItem | None,
                 errors: dict[str, str]) -> None:
    unit_id = values.get("unit_id")
    if "unit_id" in values and (unit_id is None or session.get(Unit, unit_id) is None):
        errors["unit_id"] = m.UNKNOWN_UNIT if unit_id is not None else m.REQUIRED
    category_id = values.get("category_id")
    if category_id is not None and session.get(LedgerCategory, category_id) is None:
        errors["category_id"] = m.UNKNOWN_CATEGORY
    parent_id = values.get("parent_id")
    if parent_id is not None:
        if session.get(LedgerItem, parent_id) is None:
            errors["parent_id"] = m.UNKNOWN_PARENT
        elif item is not None and item.id is not None and (
                parent_id == item.id or parent_id in _descendant_ids(session, item.id)):
            errors["parent_id"] = m.PARENT_CYCLE
    code = values.get("code")
    if code:
        other = session.exec(select(LedgerItem.id).where(LedgerItem.code == code)).first()
        if other is not None and (item is None or other != item.id):
            errors["code"] = m.DUPLICATE_CODE


def clean_item_values(session: Session, values: dict[str, Any],
                      item: LedgerItem | None = None) -> dict[str, Any]:
    """Validate the editable fields in `values` (a new item when `item` is None)."""
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    errors: dict[str, str] = {}
    out = dict(values)
    for name, limit in LIMITS.items():
        if name in values:
            out[name], error = clean_localized(values[name], limit)
            if error:
                errors[name] = error
    if (item is None or "title" in values) and not out.get("title") and "title" not in errors:
        errors["title"] = m.REQUIRED
    if item is None and "unit_id" not in values:
        errors["unit_id"] = m.REQUIRED
    if "measures" in values:
        out["measures"], error = _clean_measures(values["measures"])
        if error:
            errors["measures"] = error
    if "lead_official" in values:
        out["lead_official"] = str(values["lead_official"] or "").strip()
        if len(out["lead_official"]) > LEAD_MAX:
            errors["lead_official"] = m.TOO_LONG
        elif _BAD_CHARS.search(out["lead_official"]):
            errors["lead_official"] = m.BAD_TEXT
    if "code" in values:
        out["code"] = str(values["code"] or "").strip() or None
        if out["code"] and len(out["code"]) > CODE_MAX:
            errors["code"] = m.TOO_LONG
    if "weight" in values:
        weight = values["weight"]
        if not isinstance(weight, int) or isinstance(weight, bool) or not (
                0 <= weight <= WEIGHT_MAX):
            errors["weight"] = m.BAD_WEIGHT
    if "public" in values and not isinstance(values["public"], bool):
        errors["public"] = m.BAD_BOOLEAN
    for name in ("starts_on", "deadline"):
        if name in values and values[name] is not None and not isinstance(values[name], date):
            errors[name] = m.BAD_DATE
    starts = out.get("starts_on", item.starts_on if item else None)
    deadline = out.get("deadline", item.deadline if item else None)
    if isinstance(starts, date) and isinstance(deadline, date) and deadline < starts \
            and "deadline" not in errors:
        errors["deadline"] = m.DEADLINE_BEFORE_START
    _check_links(session, out, item, errors)
    if errors:
        raise ValidationFailed(errors)
    return out


def check_progress(progress: Any) -> int:
    """The progress as an int 0-100, or ValidationFailed."""
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        raise ValidationFailed({"progress": m.BAD_PROGRESS})
    return progress
