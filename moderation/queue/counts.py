"""Counts per tab: the queue's tab labels, the staff header counters, the daily digest.

Each count is one COUNT over indexed columns with the same clauses as the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, true
from sqlmodel import Session

from moderation.intake.deadlines import DEFAULT_TIMEZONE
from moderation.intake.models import Submission
from moderation.queue.filters import (
    QUEUE_ROLES,
    Tab,
    overdue_branches,
    scope_clause,
    tab_clause,
)
from moderation.roles import Actor, Role
from moderation.staff import StaffUser

_staff = StaffUser.__table__  # type: ignore[attr-defined]

HEADER_TABS = (Tab.new, Tab.mine, Tab.overdue)
DIGEST_TABS = (Tab.new, Tab.mine, Tab.overdue, Tab.awaiting_citizen)


def queue_counts(session: Session, actor: Actor, now: datetime, *,
                 tabs: Iterable[Tab] = tuple(Tab),
                 tz: str = DEFAULT_TIMEZONE) -> dict[Tab, int]:
    """How many items each tab holds for `actor` (NotPermitted for admins and press).

    One statement for all the tabs, a scalar subquery per count: each keeps its own
    index plan, and the page makes one round trip instead of one per count.
    """
    scope = scope_clause(actor)
    counted: list[tuple[Tab, Any]] = []
    for tab in tabs:
        # Overdue is counted as its two disjoint halves: two index range counts are
        # much cheaper than one OR, which makes the database collect a row-id set.
        branches = (overdue_branches(now, tz) if tab == Tab.overdue
                    else (tab_clause(tab, actor, now, tz),))
        for branch in branches:
            clauses = [c for c in (scope, branch) if c is not None]
            counted.append((tab, select(func.count()).select_from(Submission)
                            .where(*clauses).scalar_subquery()))
    out: dict[Tab, int] = dict.fromkeys(tabs, 0)
    if not counted:
        return out
    row = session.execute(select(*(count.label(f"count_{i}")
                                   for i, (_, count) in enumerate(counted)))).one()
    for (tab, _), number in zip(counted, row, strict=True):
        out[tab] += int(number)
    return out


def header_counts(session: Session, actor: Actor, now: datetime,
                  tz: str = DEFAULT_TIMEZONE) -> dict[Tab, int]:
    """The staff header counters: new, mine, overdue."""
    return queue_counts(session, actor, now, tabs=HEADER_TABS, tz=tz)


def digest_counts(session: Session, now: datetime,
                  tz: str = DEFAULT_TIMEZONE) -> dict[int, dict[Tab, int]]:
    """Counts (only counts) for the daily digest of each active queue user, by user id.

    Moderators and leaders get the queue-wide numbers, handlers their unit's; "mine" is
    per person. Users without an email address are included; the sender decides.
    """
    users = session.execute(
        select(_staff.c.id, _staff.c.username, _staff.c.role, _staff.c.unit_id)
        .where(_staff.c.is_active == true(), _staff.c.role.in_([r.value for r in QUEUE_ROLES]))
        .order_by(_staff.c.id)).all()
    shared: dict[tuple[Role, int | None], dict[Tab, int]] = {}
    out: dict[int, dict[Tab, int]] = {}
    for user in users:
        role = Role(user.role)
        actor = Actor(id=user.id, label=user.username, role=role, unit_id=user.unit_id)
        group = (role, user.unit_id if role == Role.handler else None)
        if group not in shared:
            shared[group] = queue_counts(
                session, actor, now, tabs=(Tab.new, Tab.overdue, Tab.awaiting_citizen), tz=tz)
        mine = queue_counts(session, actor, now, tabs=(Tab.mine,), tz=tz)
        out[user.id] = {tab: {**shared[group], **mine}[tab] for tab in DIGEST_TABS}
    return out
