"""The staff item form: reading it into domain values, filling it from an item, and
placing the domain's errors next to the right inputs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from moderation.ledger import messages as m
from moderation.ledger.columns import measures_of
from moderation.ledger.models import LedgerItem, LedgerStatus
from moderation.ledger.validation import LOCALES
from moderation.roles import Actor
from portal.ledger.access import may_publish
from portal.locale_context import gettext as _

E = TypeVar("E", bound=enum.Enum)

LOCALIZED = {"title": "title", "description": "description", "public_summary": "summary"}
TEXT_LIMIT = 20_000  # per input; the domain checks the real limits
ID_MAX_DIGITS = 12
# Where a domain error on a field is shown.
FIELD_INPUT = {"title": "title_zh_CN", "description": "description_zh_CN",
               "public_summary": "summary_zh_CN", "measures": "measures_zh_CN"}


@dataclass
class FormState:
    """A form that failed: its name, errors (input -> translated text) and the input."""

    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    notice: str = ""


def form_text(form: Any) -> dict[str, str]:
    """The text fields of a submitted form (files left out), each cut to a sane size."""
    return {key: value[:TEXT_LIMIT] for key, value in form.multi_items()
            if isinstance(value, str)}


def parse_id(text: str) -> int | None:
    """An optional id: "" -> None; junk -> 0 (no row has it, the domain refuses)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS else 0


def parse_whole(text: str, errors: dict[str, str], name: str, message: str,
                default: int | None = None) -> int | None:
    text = text.strip()
    if not text:
        return default
    if text.isascii() and text.lstrip("-").isdigit() and len(text) <= ID_MAX_DIGITS:
        return int(text)
    errors[name] = message
    return default


def parse_day(text: str, errors: dict[str, str], name: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = m.BAD_DATE
        return None


def required_day(fields: dict[str, str], name: str, errors: dict[str, str]) -> date | None:
    """A date the form must carry: a bad one or a missing one is an error on `name`."""
    day = parse_day(fields.get(name, ""), errors, name)
    if day is None and name not in errors:
        errors[name] = m.REQUIRED
    return day


def parse_choice(kind: type[E], fields: dict[str, str], name: str, errors: dict[str, str],
                 *, default: E, message: str = m.REQUIRED, missing_ok: bool = False) -> E:
    """The enum member the field names. A field left out means `default` when
    `missing_ok`; anything else unknown is an error on `name` (and `default` is returned)."""
    try:
        return kind(fields.get(name, default.value if missing_ok else ""))
    except ValueError:
        errors[name] = message
        return default


def parse_version(fields: dict[str, str]) -> int | None:
    raw = fields.get("version", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= ID_MAX_DIGITS else -1


def localized(fields: dict[str, str], prefix: str) -> dict[str, str]:
    return {lang: fields.get(f"{prefix}_{lang}", "") for lang in LOCALES}


def item_values(fields: dict[str, str], actor: Actor,
                item: LedgerItem | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Domain values of the item form, and the errors found reading it (message ids)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {name: localized(fields, prefix)
                              for name, prefix in LOCALIZED.items()}
    values["measures"] = measures_of({f"measures_{lang}": fields.get(f"measures_{lang}", "")
                                      for lang in LOCALES})
    values["code"] = fields.get("code", "")
    values["lead_official"] = fields.get("lead_official", "")
    values["unit_id"] = parse_id(fields.get("unit_id", ""))
    values["category_id"] = parse_id(fields.get("category_id", ""))
    values["parent_id"] = parse_id(fields.get("parent_id", ""))
    values["starts_on"] = parse_day(fields.get("starts_on", ""), errors, "starts_on")
    values["deadline"] = parse_day(fields.get("deadline", ""), errors, "deadline")
    values["weight"] = parse_whole(fields.get("weight", ""), errors, "weight", m.BAD_WEIGHT,
                                   default=1)
    values["position"] = parse_whole(fields.get("position", ""), errors, "position",
                                     m.BAD_NUMBER, default=0)
    if may_publish(actor):
        values["public"] = fields.get("public") == "on"
    elif item is None:
        values["public"] = False
    return values, errors


def item_status(fields: dict[str, str], errors: dict[str, str]) -> LedgerStatus:
    """The status chosen on the create form (never verified: that needs a check)."""
    try:
        status = LedgerStatus(fields.get("status", "planned"))
    except ValueError:
        status = LedgerStatus.planned
        errors["status"] = m.BAD_STATUS
    if status == LedgerStatus.verified:
        errors["status"] = m.BAD_STATUS
    return status


def item_fields(item: LedgerItem) -> dict[str, str]:
    """The form's inputs filled from an item."""
    out = {"code": item.code or "", "lead_official": item.lead_official,
           "unit_id": str(item.unit_id), "category_id": str(item.category_id or ""),
           "parent_id": str(item.parent_id or ""),
           "starts_on": item.starts_on.isoformat() if item.starts_on else "",
           "deadline": item.deadline.isoformat() if item.deadline else "",
           "weight": str(item.weight), "position": str(item.position),
           "public": "on" if item.public else "", "version": str(item.version),
           "status": item.status.value}
    for name, prefix in LOCALIZED.items():
        text = getattr(item, name) or {}
        for lang in LOCALES:
            out[f"{prefix}_{lang}"] = text.get(lang, "")
    for lang in LOCALES:
        out[f"measures_{lang}"] = "\n".join(x.get(lang, "") for x in item.measures)
    return out


def translated(errors: dict[str, str],
               inputs: dict[str, str] | None = None) -> dict[str, str]:
    """Domain errors (field -> message id) as input -> translated text; `inputs` names
    the input of a field where it differs from the item form's."""
    where = {**FIELD_INPUT, **(inputs or {})}
    return {where.get(name, name): _(message) for name, message in errors.items()}
