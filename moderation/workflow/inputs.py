"""Small input checks shared by the actions; errors map a field to a message id."""

from __future__ import annotations

import enum
from typing import TypeVar

from sqlmodel import Session, col, select

from moderation.intake.models import MESSAGE_MAX
from moderation.intake.validation import _Checker
from moderation.units import Unit

E = TypeVar("E", bound=enum.Enum)


def choice(kind: type[E], value: object, field: str, message: str,
           errors: dict[str, str]) -> E | None:
    """The enum member for `value`, or None with an error for `field`."""
    try:
        return kind(value)
    except ValueError:
        errors[field] = message
        return None


def text(value: str | None, field: str, errors: dict[str, str], *,
         max_len: int = MESSAGE_MAX, required: bool = True) -> str:
    """Cleaned text (intake's rules: no control characters, length), errors collected."""
    check = _Checker()
    clean = check.text(field, value, max_len, required=required)
    errors.update(check.errors)
    return clean


def active_unit(session: Session, unit_id: int) -> bool:
    return session.exec(select(Unit.id).where(col(Unit.id) == unit_id,
                                              col(Unit.active).is_(True))).first() is not None
