"""Figures only the leaders' dashboard shows: overdue cases and on-time rates by unit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from moderation.intake.models import Submission, SubmissionState
from moderation.ledger.items import local_today
from moderation.queue.filters import HANDLING, UNDECIDED, overdue_clause
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
    concluded = session.exec(select(Submission.responsible_unit_id, Submission.concluded_at,
                                    Submission.handling_due_on)
                             .where(Submission.state == SubmissionState.concluded))
    for unit_id, concluded_at, due in concluded:
        if concluded_at is None or due is None:
            continue
        counted[unit_id] += 1
        on_time[unit_id] += local_today(concluded_at, tz) <= due
    units = {u.id: u for u in session.exec(select(Unit).order_by(col(Unit.position),
                                                                 col(Unit.id)))}
    keys = set(undecided) | set(handling) | set(counted)
    ordered = [u for u in units if u in keys] + ([None] if None in keys else [])
    return [UnitCases(units.get(k) if k is not None else None, undecided[k], handling[k],
                      Rate.of(on_time[k], counted[k], public=False)) for k in ordered]
