"""Form fields for content editing: one spec per field, parsing with translated errors.

A spec says what a field holds (text per language, a date, a number, a choice ...)
and its limits. `parse_form` turns submitted strings into values and collects
one message per bad input; `form_values` gives the strings that refill a form.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from portal.i18n import DISPLAY_TZ
from portal.locale_context import gettext as _

LOCALIZED = "localized"  # one text per language
MARKDOWN = "markdown"  # one Markdown text per language
TEXT = "text"
EMAIL = "email"
PHONE = "phone"
DATE = "date"
DATETIME = "datetime"  # a datetime-local input, entered in China time
INT = "int"
CHOICE = "choice"  # an enum value
UNIT = "unit"  # a unit id, or none
BOOL = "bool"

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?")
INT_RE = re.compile(r"[+-]?\d{1,12}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"[0-9+\-() ]*")


@dataclass(frozen=True)
class FieldSpec:
    """One editable field. `label` and `hint` are message ids, translated when shown."""

    name: str
    label: str
    kind: str = TEXT
    max_length: int = 200
    required: bool = False  # for per-language text: required in the default language
    multiline: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: type[enum.Enum] | None = None
    hint: str = ""

    @property
    def per_language(self) -> bool:
        return self.kind in (LOCALIZED, MARKDOWN)

    def input_name(self, locale: str | None = None) -> str:
        """The form input's name (per-language fields: `<name>_<locale>`)."""
        return f"{self.name}_{locale}" if self.per_language and locale else self.name


@dataclass
class ParsedForm:
    """Parsed values by field name, raw strings by input name, messages by input name."""

    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def clean_text(value: object) -> str:
    """A submitted string without NUL characters, with Unix line ends, trimmed."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_china_time(text: str) -> datetime:
    """Parse a datetime-local value entered in China time; return it in UTC."""
    if not DATETIME_RE.fullmatch(text):
        raise ValueError(text)
    naive = datetime.fromisoformat(text.replace(" ", "T"))
    return naive.replace(tzinfo=DISPLAY_TZ).astimezone(UTC)


def china_time_input(value: datetime | None) -> str:
    """The value of a datetime-local input for an aware UTC time."""
    return value.astimezone(DISPLAY_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def _too_long(limit: int) -> str:
    return _("Use at most %(limit)s characters.", limit=limit)


def _parse_one(spec: FieldSpec, raw: str, errors: dict[str, str]) -> Any:
    name = spec.name
    if spec.kind in (TEXT, EMAIL, PHONE):
        if len(raw) > spec.max_length:
            errors[name] = _too_long(spec.max_length)
        elif spec.required and not raw:
            errors[name] = _("This field is required.")
        elif spec.kind == EMAIL and raw and not EMAIL_RE.fullmatch(raw):
            errors[name] = _("Enter an email address such as name@example.org.")
        elif spec.kind == PHONE and not PHONE_RE.fullmatch(raw):
            errors[name] = _("Use only digits, spaces, +, - and brackets.")
        return raw
    if spec.kind == DATE:
        if not raw:
            if spec.required:
                errors[name] = _("This field is required.")
            return None
        try:
            if not DATE_RE.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None
    if spec.kind == DATETIME:
        if not raw:
            return None
        try:
            return parse_china_time(raw)
        except ValueError:
            errors[name] = _("Enter a date and time as YYYY-MM-DD HH:MM.")
            return None
    if spec.kind == INT:
        if not INT_RE.fullmatch(raw):
            errors[name] = _("Enter a whole number.")
            return None
        number = int(raw)
        if spec.minimum is not None and number < spec.minimum:
            errors[name] = _("Enter a number of at least %(min)s.", min=spec.minimum)
        elif spec.maximum is not None and number > spec.maximum:
            errors[name] = _("Enter a number of at most %(max)s.", max=spec.maximum)
        return number
    if spec.kind == CHOICE:
        assert spec.choices is not None
        try:
            return spec.choices(raw)
        except ValueError:
            errors[name] = _("Choose one of the listed options.")
            return None
    if spec.kind == UNIT:
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            errors[name] = _("Choose one of the listed options.")
            return None
        return int(raw)
    if spec.kind == BOOL:
        return raw in ("on", "1", "true", "yes")
    raise ValueError(f"unknown field kind {spec.kind}")


def parse_form(specs: Sequence[FieldSpec], form: Mapping[str, Any], locales: Sequence[str],
               default_locale: str) -> ParsedForm:
    """Read every field of `specs` from `form`; errors are translated messages."""
    parsed = ParsedForm()
    for spec in specs:
        if spec.per_language:
            texts: dict[str, str] = {}
            for locale in locales:
                key = spec.input_name(locale)
                text = clean_text(form.get(key))
                parsed.raw[key] = text
                if len(text) > spec.max_length:
                    parsed.errors[key] = _too_long(spec.max_length)
                if text:
                    texts[locale] = text
            if spec.required and not texts.get(default_locale):
                key = spec.input_name(default_locale)
                parsed.errors.setdefault(key, _("This field is required in the default "
                                                "language."))
            parsed.values[spec.name] = texts
            continue
        text = clean_text(form.get(spec.name))
        parsed.raw[spec.name] = text
        parsed.values[spec.name] = _parse_one(spec, text, parsed.errors)
    return parsed


def _as_input(spec: FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if spec.kind == DATETIME:
        return china_time_input(value)
    if spec.kind == DATE:
        return value.isoformat()
    if spec.kind == BOOL:
        return "on" if value else ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def form_values(specs: Sequence[FieldSpec], obj: Any, locales: Sequence[str]) -> dict[str, str]:
    """The input strings that show `obj` (None: an empty form) in a form of `specs`."""
    raw: dict[str, str] = {}
    for spec in specs:
        value = getattr(obj, spec.name, None) if obj is not None else None
        if spec.per_language:
            for locale in locales:
                raw[spec.input_name(locale)] = (value or {}).get(locale, "")
        else:
            raw[spec.name] = _as_input(spec, value)
    return raw
