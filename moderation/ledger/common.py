"""Helpers shared by the ledger's write functions: snapshots, lookups, versions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel

from moderation.errors import NotFound, StaleVersion
from moderation.ledger.models import LedgerItem


def snapshot(row: SQLModel, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The audited view of a row: enums as values, dates as ISO text."""
    out: dict[str, Any] = {}
    for key, value in row.model_dump().items():
        if key in skip:
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        out[key] = value
    return out


def item_snapshot(item: LedgerItem) -> dict[str, Any]:
    """An item without its bookkeeping columns (they change on every write)."""
    return snapshot(item, skip=("created_at", "updated_at"))


def get_item(session: Session, item_id: int) -> LedgerItem:
    """The item, or NotFound."""
    item = session.get(LedgerItem, item_id)
    if item is None:
        raise NotFound(f"ledger item {item_id}")
    return item


def check_version(item: LedgerItem, version: int | None) -> None:
    """Raise StaleVersion when the caller saw another version (None skips the check)."""
    if version is not None and item.version != version:
        raise StaleVersion(f"ledger item {item.id} is at version {item.version}")


def touch(item: LedgerItem, now: datetime) -> None:
    """Mark the item changed: new version, new time."""
    item.version += 1
    item.updated_at = now
