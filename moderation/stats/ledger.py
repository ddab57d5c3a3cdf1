"""Ledger aggregates: completion by responsible unit, and mechanisms established.

Public figures count public items only (and the mechanisms of public items). "Done"
means rectified or verified; overdue follows `moderation.ledger.items.is_overdue`.

No small-count hiding here: it protects citizens, and the ledger is about units and
their public rectification items, published one by one on /ledger anyway. Hiding "3
overdue items" on /statistics while /ledger lists all three would only make the two
pages disagree. `public` therefore chooses which items count, not how they are shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from moderation.ledger.items import is_overdue
from moderation.ledger.models import (
    DONE_STATUSES,
    LedgerItem,
    LedgerMechanism,
    LedgerStatus,
    MechanismArea,
)
from moderation.sqltypes import LocalizedText
from moderation.stats.suppress import Count, Rate
from moderation.units import Unit


@dataclass(frozen=True)
class UnitLedger:
    """The ledger of one responsible unit."""

    unit_id: int
    unit_code: str
    unit_name: LocalizedText
    items: Count
    done: Count
    overdue: Count
    completion: Rate
    by_status: dict[str, Count] = field(default_factory=dict)


@dataclass(frozen=True)
class MechanismStats:
    total: Count
    by_area: dict[str, Count]


def _items(session: Session, public: bool) -> list[LedgerItem]:
    query = select(LedgerItem)
    if public:
        query = query.where(LedgerItem.public == True)  # noqa: E712
    return list(session.exec(query))


def ledger_by_unit(session: Session, *, public: bool, now: datetime | date,
                   tz: str) -> list[UnitLedger]:
    """Items, done, overdue and per-status counts for each unit that has items."""
    items = _items(session, public)
    units = {u.id: u for u in session.exec(select(Unit).order_by(col(Unit.position),
                                                                 col(Unit.id)))}
    per_unit: dict[int, list[LedgerItem]] = {}
    for item in items:
        per_unit.setdefault(item.unit_id, []).append(item)
    out = []
    for unit_id, unit in units.items():
        mine = per_unit.get(unit_id or -1)
        if not mine or unit_id is None:
            continue
        statuses = Counter(str(i.status) for i in mine)
        done = sum(i.status in DONE_STATUSES for i in mine)
        out.append(UnitLedger(
            unit_id=unit_id, unit_code=unit.code, unit_name=unit.name,
            items=len(mine), done=done,
            overdue=sum(is_overdue(i, now, tz) for i in mine),
            completion=Rate.of(done, len(mine), public=False),
            by_status={s.value: statuses[s.value] for s in LedgerStatus},
        ))
    return out


def mechanism_stats(session: Session, *, public: bool) -> MechanismStats:
    """Mechanisms established (建章立制), in total and by area."""
    query = select(LedgerMechanism.area).join(
        LedgerItem, col(LedgerItem.id) == LedgerMechanism.item_id)
    if public:
        query = query.where(LedgerItem.public == True)  # noqa: E712
    areas = Counter(str(a) for a in session.exec(query))
    return MechanismStats(total=sum(areas.values()),
                          by_area={a.value: areas[a.value] for a in MechanismArea})
