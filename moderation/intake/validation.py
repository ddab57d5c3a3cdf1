"""Checks on what a citizen (or a moderator on their behalf) typed.

Errors are raised together as `ValidationFailed({field: message_id})`; the message ids
are the English constants of `messages`, translated by the web layer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, literal, select, true
from sqlmodel import Session

from moderation.errors import ValidationFailed
from moderation.intake import messages as m
from moderation.intake.models import (
    CONTENT_MAX,
    PEOPLE_MAX,
    WHEN_WHERE_MAX,
    Category,
    SubmissionKind,
)
from moderation.intake.storage import Contact
from moderation.units import Unit

NAME_MAX = 100
PHONE_MAX = 32
EMAIL_MAX = 254
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_PHONE = re.compile(r"\+?[0-9][0-9 \-()]{4,30}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class TipInput:
    """The fields of a tip (举报). `unit_concerned_id` None means "not sure"."""

    content: str
    unit_concerned_id: int | None = None
    people_concerned: str = ""
    happened_when: str = ""
    happened_where: str = ""
    anonymous: bool = True
    contact: Contact = field(default_factory=Contact)
    publish_consent: bool = False  # 回复公开: a summary and the reply may be published


@dataclass(frozen=True)
class SuggestionInput:
    """The fields of a suggestion (意见建议)."""

    content: str
    category_id: int | None = None
    anonymous: bool = True
    contact: Contact = field(default_factory=Contact)
    publish_consent: bool = False


@dataclass(frozen=True)
class TextRules:
    """Minimum lengths (characters) of the main text."""

    tip_min_chars: int = 20
    suggestion_min_chars: int = 10


def clean_text(value: str | None) -> str:
    """NFC-normalised, trimmed, with CRLF turned into LF."""
    text = unicodedata.normalize("NFC", value or "")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class _Checker:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def text(self, name: str, value: str | None, max_len: int, *, required: bool = False,
             min_len: int = 0, short: str = m.REQUIRED, single_line: bool = False) -> str:
        text = clean_text(value)
        if single_line:
            text = " ".join(text.split())
        if _BAD_CHARS.search(text):
            self.errors[name] = m.BAD_TEXT
        elif required and not text:
            self.errors[name] = m.REQUIRED
        elif len(text) > max_len:
            self.errors[name] = m.TOO_LONG
        elif text and len(text) < min_len:
            self.errors[name] = short
        return text

    def contact(self, anonymous: bool, contact: Contact) -> Contact:
        if anonymous:
            return Contact()  # never keep details the citizen chose not to give
        name = self.text("contact_name", contact.name, NAME_MAX, required=True,
                         single_line=True)
        phone = self.text("contact_phone", contact.phone, PHONE_MAX, single_line=True)
        email = self.text("contact_email", contact.email, EMAIL_MAX, single_line=True)
        if phone and "contact_phone" not in self.errors and not (
                _PHONE.fullmatch(phone) and sum(ch.isdigit() for ch in phone) >= 5):
            self.errors["contact_phone"] = m.BAD_PHONE
        if email and "contact_email" not in self.errors and not _EMAIL.fullmatch(email):
            self.errors["contact_email"] = m.BAD_EMAIL
        if not phone and not email and "contact_phone" not in self.errors:
            self.errors["contact_phone"] = m.CONTACT_NEEDED
        return Contact(name, phone, email)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


# Existence checks as Core statements on the session's connection: loading the whole row
# through the ORM cost a few per cent of a Send (`bench/post_load.py`).
_units = Unit.__table__  # type: ignore[attr-defined]
_categories = Category.__table__  # type: ignore[attr-defined]
_ACTIVE_UNIT = select(literal(1)).where(_units.c.id == bindparam("id"),
                                        _units.c.active == true())
_ACTIVE_SUGGESTION_CATEGORY = select(literal(1)).where(
    _categories.c.id == bindparam("id"), _categories.c.active == true(),
    _categories.c.kind == SubmissionKind.suggestion)


def _exists(session: Session, statement: Select, row_id: int) -> bool:
    return session.connection().execute(statement, {"id": row_id}).first() is not None


def validate_tip(session: Session, data: TipInput, rules: TextRules,
                 active_units: Collection[int] = ()) -> TipInput:
    """A cleaned copy of the tip, or ValidationFailed with every problem found.

    `active_units`: unit ids the caller already knows to be active (a worker's cache, a
    few seconds old, for the form step; the database decides again at sending). Others
    are looked up.
    """
    check = _Checker()
    content = check.text("content", data.content, CONTENT_MAX, required=True,
                         min_len=rules.tip_min_chars, short=m.CONTENT_TOO_SHORT)
    people = check.text("people_concerned", data.people_concerned, PEOPLE_MAX)
    when = check.text("happened_when", data.happened_when, WHEN_WHERE_MAX, single_line=True)
    where = check.text("happened_where", data.happened_where, WHEN_WHERE_MAX, single_line=True)
    unit_id = data.unit_concerned_id
    if (unit_id is not None and unit_id not in active_units
            and not _exists(session, _ACTIVE_UNIT, unit_id)):
        check.errors["unit_concerned_id"] = m.UNKNOWN_UNIT
    contact = check.contact(data.anonymous, data.contact)
    check.raise_if_any()
    return TipInput(content, data.unit_concerned_id, people, when, where, data.anonymous,
                    contact, publish_consent=data.publish_consent is True)


def validate_suggestion(session: Session, data: SuggestionInput, rules: TextRules,
                        active_categories: Collection[int] = ()) -> SuggestionInput:
    """A cleaned copy of the suggestion, or ValidationFailed.

    `active_categories`: active suggestion category ids the caller already knows (as
    `active_units` for `validate_tip`); others are looked up.
    """
    check = _Checker()
    content = check.text("content", data.content, CONTENT_MAX, required=True,
                         min_len=rules.suggestion_min_chars, short=m.SUGGESTION_TOO_SHORT)
    if data.category_id is None:
        check.errors["category_id"] = m.REQUIRED
    elif (data.category_id not in active_categories
          and not _exists(session, _ACTIVE_SUGGESTION_CATEGORY, data.category_id)):
        check.errors["category_id"] = m.UNKNOWN_CATEGORY
    contact = check.contact(data.anonymous, data.contact)
    check.raise_if_any()
    return SuggestionInput(content, data.category_id, data.anonymous, contact,
                           publish_consent=data.publish_consent is True)
