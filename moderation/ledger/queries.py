"""Read side of the ledger for the web pages (public ledger, item page, staff pages).

With `public_only=True` no internal row leaves this module: internal items (and an
internal parent), internal timeline entries, evidence files and linked cases are left
out. Rows still carry staff ids (`*_by_id`); public templates must not print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from moderation.errors import NotFound
from moderation.intake.deadlines import DEFAULT_TIMEZONE
from moderation.ledger.cases import submissions_for_item
from moderation.ledger.items import is_overdue
from moderation.ledger.models import (
    LedgerCategory,
    LedgerEntry,
    LedgerEvidence,
    LedgerItem,
    LedgerLookBack,
    LedgerMechanism,
    LedgerStatus,
    LedgerVerification,
)
from moderation.units import Unit


@dataclass(frozen=True)
class ItemRow:
    """One line of the ledger list."""

    item: LedgerItem
    unit: Unit | None
    category: LedgerCategory | None
    overdue: bool
    depth: int = 0


@dataclass(frozen=True)
class ItemView:
    """Everything the item page shows."""

    item: LedgerItem
    unit: Unit | None
    category: LedgerCategory | None
    parent: LedgerItem | None
    children: list[ItemRow]
    entries: list[LedgerEntry]
    mechanisms: list[LedgerMechanism]
    verifications: list[LedgerVerification]
    lookbacks: list[LedgerLookBack]
    overdue: bool
    # Staff only (empty when public_only):
    evidence: dict[int, list[LedgerEvidence]] = field(default_factory=dict)
    submission_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerFilters:
    unit_id: int | None = None
    status: LedgerStatus | None = None
    category_id: int | None = None
    overdue_only: bool = False


def categories(session: Session, *, include_inactive: bool = False) -> list[LedgerCategory]:
    """The chronic-problem categories in display order."""
    query = select(LedgerCategory).order_by(col(LedgerCategory.position), col(LedgerCategory.id))
    if not include_inactive:
        query = query.where(LedgerCategory.active == True)  # noqa: E712
    return list(session.exec(query))


def list_items(session: Session, *, public_only: bool, now: datetime | date,
               filters: LedgerFilters = LedgerFilters(),
               tz: str = DEFAULT_TIMEZONE) -> list[ItemRow]:
    """The ledger as a tree (parents before their children), filtered."""
    query = select(LedgerItem).order_by(col(LedgerItem.position), col(LedgerItem.id))
    if public_only:
        query = query.where(LedgerItem.public == True)  # noqa: E712
    if filters.unit_id is not None:
        query = query.where(LedgerItem.unit_id == filters.unit_id)
    if filters.status is not None:
        query = query.where(LedgerItem.status == filters.status)
    if filters.category_id is not None:
        query = query.where(LedgerItem.category_id == filters.category_id)
    items = list(session.exec(query))
    units = {u.id: u for u in session.exec(select(Unit))}
    cats = {c.id: c for c in session.exec(select(LedgerCategory))}
    rows = [ItemRow(i, units.get(i.unit_id), cats.get(i.category_id), is_overdue(i, now, tz))
            for i in items]
    if filters.overdue_only:
        rows = [r for r in rows if r.overdue]
    return _as_tree(rows)


def _as_tree(rows: list[ItemRow]) -> list[ItemRow]:
    present = {r.item.id for r in rows}
    children: dict[int | None, list[ItemRow]] = {}
    for row in rows:
        parent = row.item.parent_id if row.item.parent_id in present else None
        children.setdefault(parent, []).append(row)
    out: list[ItemRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            out.append(ItemRow(row.item, row.unit, row.category, row.overdue, depth))
            walk(row.item.id, depth + 1)

    walk(None, 0)
    return out


def item_view(session: Session, item_id: int, *, public_only: bool, now: datetime | date,
              tz: str = DEFAULT_TIMEZONE) -> ItemView:
    """One item with its timeline and reviews; NotFound for an internal item in public."""
    item = session.get(LedgerItem, item_id)
    if item is None or (public_only and not item.public):
        raise NotFound(f"ledger item {item_id}")
    parent = session.get(LedgerItem, item.parent_id) if item.parent_id else None
    if public_only and parent is not None and not parent.public:
        parent = None
    children = [r for r in list_items(session, public_only=public_only, now=now, tz=tz)
                if r.item.parent_id == item.id]
    entries_q = (select(LedgerEntry).where(LedgerEntry.item_id == item_id)
                 .order_by(col(LedgerEntry.happened_on), col(LedgerEntry.id)))
    if public_only:
        entries_q = entries_q.where(LedgerEntry.public == True)  # noqa: E712
    entries = list(session.exec(entries_q))
    mechanisms = list(session.exec(
        select(LedgerMechanism).where(LedgerMechanism.item_id == item_id)
        .order_by(col(LedgerMechanism.established_on), col(LedgerMechanism.id))))
    verifications = list(session.exec(
        select(LedgerVerification).where(LedgerVerification.item_id == item_id)
        .order_by(col(LedgerVerification.verified_on), col(LedgerVerification.id))))
    lookbacks = list(session.exec(
        select(LedgerLookBack).where(LedgerLookBack.item_id == item_id)
        .order_by(col(LedgerLookBack.scheduled_on), col(LedgerLookBack.id))))
    evidence: dict[int, list[LedgerEvidence]] = {}
    submission_ids: list[int] = []
    if not public_only:
        submission_ids = submissions_for_item(session, item_id)
        for row in session.exec(select(LedgerEvidence).where(
                col(LedgerEvidence.entry_id).in_([e.id for e in entries]))):
            evidence.setdefault(row.entry_id, []).append(row)
    return ItemView(
        item=item, unit=session.get(Unit, item.unit_id),
        category=session.get(LedgerCategory, item.category_id) if item.category_id else None,
        parent=parent, children=children, entries=entries, mechanisms=mechanisms,
        verifications=verifications, lookbacks=lookbacks,
        overdue=is_overdue(item, now, tz), evidence=evidence, submission_ids=submission_ids,
    )
