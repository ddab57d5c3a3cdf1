"""Form fields to the domain's input, and back (to fill a form in again)."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from starlette.datastructures import MultiDict

from moderation.intake import messages as m
from moderation.intake.storage import Contact
from moderation.intake.validation import SuggestionInput, TipInput
from portal.locale_context import gettext as _
from portal.locale_context import lazy_gettext

HONEYPOT = "website"
FORM_TOKEN = "form_token"  # noqa: S105 - a field name
KEEP_FILE = "keep_file"
ANONYMOUS, REAL_NAME = "anonymous", "real_name"
PERSON_MAX = {"person_name": 100, "person_post": 100, "person_badge": 50}
TEXT_FIELDS = (
    "content", "identity", "contact_name", "contact_phone", "contact_email",
    "unit_concerned_id", "person_name", "person_post", "person_badge",
    "happened_when", "when_unsure", "happened_where", "where_unsure", "category_id",
    "kind", "channel", "publish_consent",
)
REFILL_MAX = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
IDENTITY_REQUIRED = lazy_gettext("Please choose anonymous or real-name.")
CONSENT = "publish_consent"


def typed_values(fields: MultiDict) -> dict[str, str]:
    """The text fields as sent (the domain refuses control characters in them)."""
    return {name: value for name in TEXT_FIELDS
            if isinstance(value := fields.get(name), str)}


def refill_values(typed: dict[str, str]) -> dict[str, str]:
    """What the citizen typed, safe to put back into the form (no control characters)."""
    return {name: _CONTROL.sub("", value)[:REFILL_MAX] for name, value in typed.items()}


def honeypot_filled(fields: MultiDict) -> bool:
    """A bot filled the field people never see."""
    return bool(str(fields.get(HONEYPOT, "")).strip())


def kept_indexes(fields: MultiDict) -> set[int]:
    """The previously attached files the citizen chose to keep (by position)."""
    return {int(v) for v in fields.getlist(KEEP_FILE)
            if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 4}


def _choice_id(value: str) -> int | str | None:
    """"" means "not sure" (None); digits an id; anything else is invalid ("bad")."""
    value = value.strip()
    if not value:
        return None
    # isascii: str.isdigit() also accepts "²" and other digits int() refuses.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else "bad"


def _identity(values: dict[str, str], errors: dict[str, str]) -> tuple[bool, Contact]:
    identity = values.get("identity", ANONYMOUS)
    if identity not in (ANONYMOUS, REAL_NAME):
        errors["identity"] = IDENTITY_REQUIRED
    anonymous = identity != REAL_NAME
    contact = Contact() if anonymous else Contact(
        values.get("contact_name", ""), values.get("contact_phone", ""),
        values.get("contact_email", ""))
    return anonymous, contact


def people_text(values: dict[str, str]) -> str:
    """The people concerned as labelled lines (in the citizen's language)."""
    labels = {"person_name": _("Person's name"), "person_post": _("Post"),
              "person_badge": _("Badge number")}
    lines = [f"{labels[name]}: {' '.join(values.get(name, '').split())}"
             for name in PERSON_MAX if values.get(name, "").strip()]
    return "\n".join(lines)


def tip_input(values: dict[str, str]) -> tuple[TipInput, dict[str, str]]:
    """The tip the form describes, and errors the domain cannot see (field by field)."""
    errors: dict[str, str] = {}
    unit = _choice_id(values.get("unit_concerned_id", ""))
    if unit == "bad":
        errors["unit_concerned_id"] = m.UNKNOWN_UNIT
        unit = None
    for name, limit in PERSON_MAX.items():
        if len(values.get(name, "")) > limit:
            errors[name] = m.TOO_LONG
    anonymous, contact = _identity(values, errors)
    data = TipInput(
        content=values.get("content", ""),
        unit_concerned_id=unit,  # type: ignore[arg-type]
        people_concerned=people_text(values),
        happened_when="" if values.get("when_unsure") else values.get("happened_when", ""),
        happened_where="" if values.get("where_unsure") else values.get("happened_where", ""),
        anonymous=anonymous, contact=contact, publish_consent=values.get(CONSENT) == "yes")
    return data, errors


def suggestion_input(values: dict[str, str]) -> tuple[SuggestionInput, dict[str, str]]:
    """The suggestion the form describes, and errors the domain cannot see."""
    errors: dict[str, str] = {}
    category = _choice_id(values.get("category_id", ""))
    if category == "bad":
        errors["category_id"] = m.UNKNOWN_CATEGORY
        category = None
    anonymous, contact = _identity(values, errors)
    return SuggestionInput(content=values.get("content", ""),
                           category_id=category,  # type: ignore[arg-type]
                           anonymous=anonymous, contact=contact,
                           publish_consent=values.get(CONSENT) == "yes"), errors


def to_data(data: TipInput | SuggestionInput) -> dict[str, Any]:
    """A JSON-friendly copy of the cleaned input (kept in the draft)."""
    return asdict(data)


def from_data(kind: str, data: dict[str, Any]) -> TipInput | SuggestionInput:
    """The input back from a draft."""
    values = {**data, "contact": Contact(**data.get("contact", {}))}
    return TipInput(**values) if kind == "tip" else SuggestionInput(**values)
