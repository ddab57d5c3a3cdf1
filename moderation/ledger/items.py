"""Creating and editing ledger items: fields, status, progress, and the overdue rule.

Each function writes one audit row for the item (plus one per parent whose rolled-up
progress moved) and leaves the commit to the caller. An update that changes nothing
writes nothing and keeps the version.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, ValidationFailed
from moderation.intake.deadlines import DEFAULT_TIMEZONE
from moderation.ledger import messages as m
from moderation.ledger.common import check_version, get_item, item_snapshot, touch
from moderation.ledger.models import DEFAULT_PROGRESS, DONE_STATUSES, LedgerItem, LedgerStatus
from moderation.ledger.rollup import (
    children_of,
    has_children,
    recompute_from,
    weighted_progress,
)
from moderation.ledger.validation import check_progress, clean_item_values
from moderation.roles import Actor


def create_item(session: Session, actor: Actor, values: dict[str, Any], *,
                status: LedgerStatus = LedgerStatus.planned,
                clock: Clock = system_clock) -> LedgerItem:
    """Add an item to the ledger; its progress is the default of `status`."""
    cleaned = clean_item_values(session, values)
    now = clock()
    item = LedgerItem(**cleaned, status=status, progress=DEFAULT_PROGRESS[status],
                      created_at=now, updated_at=now)
    session.add(item)
    session.flush()
    record(session, actor, "ledger_item.create", "ledger_item", item.id,
           after=item_snapshot(item), clock=clock)
    recompute_from(session, actor, item.parent_id, clock=clock)
    return item


def update_item(session: Session, actor: Actor, item_id: int, values: dict[str, Any], *,
                version: int | None, clock: Clock = system_clock) -> LedgerItem:
    """Change an item's fields (not status or progress); a no-op writes nothing."""
    item = get_item(session, item_id)
    check_version(item, version)
    cleaned = clean_item_values(session, values, item)
    changes = {k: v for k, v in cleaned.items() if getattr(item, k) != v}
    if not changes:
        return item
    before = item_snapshot(item)
    old_parent = item.parent_id
    for name, value in changes.items():
        setattr(item, name, value)
    touch(item, clock())
    session.add(item)
    session.flush()
    record(session, actor, "ledger_item.update", "ledger_item", item.id, before=before,
           after=item_snapshot(item), clock=clock)
    if "parent_id" in changes or "weight" in changes:
        recompute_from(session, actor, old_parent, clock=clock)
        recompute_from(session, actor, item.parent_id, clock=clock)
    return item


def apply_status(session: Session, actor: Actor, item: LedgerItem, status: LedgerStatus, *,
                 clock: Clock = system_clock, action: str = "ledger_item.status") -> bool:
    """Set the status and its default progress (kept rolled up for parents); audited."""
    if item.status == status:
        return False
    before = item_snapshot(item)
    item.status = status
    assert item.id is not None
    if has_children(session, item.id):
        rolled = weighted_progress((c.progress, c.weight) for c in children_of(session, item.id))
        item.progress = rolled if rolled is not None else item.progress
    else:
        item.progress = DEFAULT_PROGRESS[status]
    touch(item, clock())
    session.add(item)
    session.flush()
    record(session, actor, action, "ledger_item", item.id, before=before,
           after=item_snapshot(item), clock=clock)
    recompute_from(session, actor, item.parent_id, clock=clock)
    return True


def change_status(session: Session, actor: Actor, item_id: int, status: LedgerStatus, *,
                  version: int | None, clock: Clock = system_clock) -> LedgerItem:
    """Move an item to planned, in_progress or rectified; `verify` makes it verified."""
    item = get_item(session, item_id)
    check_version(item, version)
    status = LedgerStatus(status)
    if status == LedgerStatus.verified and item.status != status:
        raise InvalidTransition("an item becomes verified through a verification")
    apply_status(session, actor, item, status, clock=clock)
    return item


def set_progress(session: Session, actor: Actor, item_id: int, progress: int, *,
                 version: int | None, clock: Clock = system_clock) -> LedgerItem:
    """Set a leaf item's progress by hand (a parent's comes from its children)."""
    item = get_item(session, item_id)
    check_version(item, version)
    progress = check_progress(progress)
    assert item.id is not None
    if has_children(session, item.id):
        raise ValidationFailed({"progress": m.PROGRESS_FROM_CHILDREN})
    if item.progress == progress:
        return item
    before = item_snapshot(item)
    item.progress = progress
    touch(item, clock())
    session.add(item)
    session.flush()
    record(session, actor, "ledger_item.progress", "ledger_item", item.id, before=before,
           after=item_snapshot(item), clock=clock)
    recompute_from(session, actor, item.parent_id, clock=clock)
    return item


def local_today(now: datetime | date, tz: str = DEFAULT_TIMEZONE) -> date:
    """The campaign's calendar day at `now`."""
    if isinstance(now, datetime):
        return now.astimezone(ZoneInfo(tz)).date()
    return now


def is_overdue(item: LedgerItem, now: datetime | date, tz: str = DEFAULT_TIMEZONE) -> bool:
    """True when the deadline has passed (in the campaign's time zone) and the item is
    neither rectified nor verified."""
    if item.deadline is None or item.status in DONE_STATUSES:
        return False
    return local_today(now, tz) > item.deadline
