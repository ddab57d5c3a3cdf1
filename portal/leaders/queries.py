"""Figures only the leaders' dashboard shows: overdue cases and on-time rates by unit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from moderation.intake.models import Submission, SubmissionState
from moderation.queue.filters import HANDLING, UNDECIDED, overdue_clause
from moderation.stats.local_dates import local_day
from moderation.stats.suppress import Rate
from moderation.units import Unit


@dataclass(frozen=True)
class UnitCases:
    """Overdue cases and the on-time rate of one responsible unit (None: not assigned)."""

    unit: Unit | None
    overdue_undecided: int
    overdue_handling: int
    on_time: Rate


def cases_by_unit(session: Session, now: datetime, tz: str) -> list[UnitCases]:
    """Per responsible unit: overdue cases (by stage) and concluded-on-time rate."""
    undecided: Counter[int | None] = Counter()
    handling: Counter[int | None] = Counter()
    rows = session.exec(select(Submission.responsible_unit_id, Submission.state, func.count())
                        .where(overdue_clause(now, tz))
                        .group_by(col(Submission.responsible_unit_id), col(Submission.state)))
    for unit_id, state, number in rows:
        if state in UNDECIDED:
            undecided[unit_id] += number
        elif state in HANDLING:
            handling[unit_id] += number
    on_time: Counter[int | None] = Counter()
    counted: Counter[int | None] = Counter()
    for unit_id, number, in_time in session.execute(_concluded_by_unit(session, tz)):
        counted[unit_id] += number
        on_time[unit_id] += int(in_time or 0)
    units = {u.id: u for u in session.exec(select(Unit).order_by(col(Unit.position),
                                                                 col(Unit.id)))}
    keys = set(undecided) | set(handling) | set(counted)
    ordered = [u for u in units if u in keys] + ([None] if None in keys else [])
    return [UnitCases(units.get(k) if k is not None else None, undecided[k], handling[k],
                      Rate.of(on_time[k], counted[k], public=False)) for k in ordered]


def _concluded_by_unit(session: Session, tz: str) -> Select:
    """Per responsible unit: concluded cases with both dates, and how many on time (the
    database counts them: reading each case cost seconds at a few hundred thousand)."""
    table = Submission.__table__  # type: ignore[attr-defined]
    in_time = local_day(table.c.concluded_at, tz, session.get_bind().dialect.name) \
        <= table.c.handling_due_on
    return (core_select(table.c.responsible_unit_id, func.count(),
                        func.sum(case((in_time, 1), else_=0)))
            .where(table.c.state == SubmissionState.concluded,
                   table.c.concluded_at.is_not(None), table.c.handling_due_on.is_not(None))
            .group_by(table.c.responsible_unit_id))
