"""Column types shared by every model: aware UTC timestamps and per-language text."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlmodel import Column, Field

# A text kept per language: {"zh_CN": "...", "en": "..."}.
LocalizedText = dict[str, str]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; returns them aware on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the portal stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_field(*, nullable: bool = False, index: bool = False, default: Any = None) -> Any:
    """A timezone-aware timestamp column."""
    return Field(
        default=default,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


def localized_field() -> Any:
    """A per-language text column (JSON object keyed by locale)."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def pick(text: LocalizedText | None, locale: str, fallback: str = "zh_CN") -> str:
    """The text in `locale`, else in the fallback language, else any non-empty one."""
    if not text:
        return ""
    for key in (locale, fallback):
        if text.get(key):
            return text[key]
    return next((v for v in text.values() if v), "")


def enum_field(enum_type: type[enum.Enum], default: Any = None, *, index: bool = False,
               primary_key: bool = False, nullable: bool = False) -> Any:
    """An enum stored as its value in a VARCHAR (no native enum types to migrate)."""
    column_type = SAEnum(
        enum_type, native_enum=False, create_constraint=False, length=32,
        values_callable=lambda members: [m.value for m in members],
    )
    return Field(
        default=default,
        sa_column=Column(column_type, nullable=nullable, index=index, primary_key=primary_key),
    )
