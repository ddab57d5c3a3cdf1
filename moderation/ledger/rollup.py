"""Weighted roll-up: a parent's progress is the weighted mean of its children's.

Children's progress is their own roll-up when they have children, so walking up the
parent chain from a changed item keeps the whole tree right. Weights are whole numbers
(default 1); when all of a parent's children weigh 0 the plain mean is used. The mean is
rounded half up to a whole percent.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.ledger.common import touch
from moderation.ledger.models import LedgerItem
from moderation.roles import Actor


def weighted_progress(children: Iterable[tuple[int, int]]) -> int | None:
    """The rounded weighted mean of (progress, weight) pairs; None when there are none."""
    pairs = list(children)
    if not pairs:
        return None
    total_weight = sum(weight for _, weight in pairs)
    if total_weight == 0:
        pairs = [(progress, 1) for progress, _ in pairs]
        total_weight = len(pairs)
    weighted = sum(progress * weight for progress, weight in pairs)
    return (2 * weighted + total_weight) // (2 * total_weight)


def children_of(session: Session, item_id: int) -> list[LedgerItem]:
    """The direct children of an item, in display order."""
    return list(session.exec(select(LedgerItem).where(LedgerItem.parent_id == item_id)
                             .order_by(col(LedgerItem.position), col(LedgerItem.id))))


def has_children(session: Session, item_id: int) -> bool:
    """True when some item has this one as its parent."""
    return session.exec(select(LedgerItem.id).where(LedgerItem.parent_id == item_id)
                        ).first() is not None


def _apply(session: Session, actor: Actor, parent: LedgerItem, value: int | None,
           clock: Clock) -> bool:
    if value is None or value == parent.progress:
        return False
    before = {"progress": parent.progress, "version": parent.version}
    parent.progress = value
    touch(parent, clock())
    session.add(parent)
    session.flush()
    record(session, actor, "ledger_item.rollup", "ledger_item", parent.id,
           before=before, after={"progress": value, "version": parent.version}, clock=clock)
    return True


def recompute_from(session: Session, actor: Actor, parent_id: int | None, *,
                   clock: Clock = system_clock) -> list[LedgerItem]:
    """Recompute `parent_id` and its ancestors; audit each item whose progress moved."""
    changed: list[LedgerItem] = []
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = session.get(LedgerItem, parent_id)
        if parent is None:
            break
        value = weighted_progress((c.progress, c.weight) for c in children_of(session, parent_id))
        if _apply(session, actor, parent, value, clock):
            changed.append(parent)
        parent_id = parent.parent_id
    return changed


def recompute_all(session: Session, actor: Actor, *,
                  clock: Clock = system_clock) -> list[LedgerItem]:
    """Recompute every parent in the ledger, deepest first (after an import or repair)."""
    items = list(session.exec(select(LedgerItem)))
    by_id = {i.id: i for i in items}

    def depth(item: LedgerItem) -> int:
        level, seen = 0, set()
        while item.parent_id is not None and item.parent_id in by_id and item.id not in seen:
            seen.add(item.id)
            item = by_id[item.parent_id]
            level += 1
        return level

    parents = {i.parent_id for i in items if i.parent_id is not None}
    changed: list[LedgerItem] = []
    for parent in sorted((by_id[p] for p in parents if p in by_id), key=depth, reverse=True):
        value = weighted_progress((c.progress, c.weight) for c in items
                                  if c.parent_id == parent.id)
        if _apply(session, actor, parent, value, clock):
            changed.append(parent)
    return changed
