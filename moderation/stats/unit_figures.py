"""Leaders' figures per unit, for a filter (period, unit, kind) that is the queue's own.

The figures are counted with the queue's WHERE (`where_clauses` of a `QueueQuery` with
the same filters), so a figure and the queue list it links to always agree:
received = all items; accepted = accepted, being verified or concluded; concluded;
overdue = the queue's overdue tab. A unit's row counts what the queue lists for that
unit: the cases about it and the cases it is responsible for, so a lead about one unit
verified by another counts in both rows (the total counts it once). Set-based: a few
grouped queries, whatever the number of cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, or_, select
from sqlmodel import Session, col

from moderation.intake.deadlines import DEFAULT_TIMEZONE, local_day
from moderation.intake.models import CaseRating, Rating, Submission, SubmissionState
from moderation.queue.filters import QueueQuery, overdue_clause, where_clauses
from moderation.roles import Actor

S = SubmissionState
ACCEPTED = (S.accepted, S.verifying, S.concluded)
TREND_WEEKS = 12


@dataclass
class UnitFigures:
    """Counts of one unit (unit_id None: no unit known) or of the whole filter."""

    unit_id: int | None
    received: int = 0
    accepted: int = 0
    concluded: int = 0
    overdue: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rated: int = 0
    satisfied: int = 0  # satisfied or mostly satisfied

    def add(self, other: UnitFigures) -> None:
        self.received += other.received
        self.accepted += other.accepted
        self.concluded += other.concluded
        self.overdue += other.overdue
        self.outcomes.update(other.outcomes)
        self.rated += other.rated
        self.satisfied += other.satisfied


@dataclass(frozen=True)
class Week:
    starts_on: date
    received: int
    concluded: int


def _grouped(session: Session, rows: dict[int | None, UnitFigures], key: Any,
             clauses: list[Any], now: datetime, tz: str) -> None:
    """Add the counts of the cases matching `clauses`, grouped by `key`, into `rows`."""
    late = case((overdue_clause(now, tz), 1), else_=0)
    for unit_id, state, outcome, overdue, number in session.execute(
            select(key, Submission.state, Submission.outcome, late, func.count())
            .select_from(Submission).where(*clauses)
            .group_by(key, Submission.state, Submission.outcome, late)):
        row = rows.setdefault(unit_id, UnitFigures(unit_id))
        row.received += number
        state = S(state)
        row.accepted += number if state in ACCEPTED else 0
        if state == S.concluded:
            row.concluded += number
            if outcome is not None:
                row.outcomes[getattr(outcome, "value", outcome)] += number
        row.overdue += number if overdue else 0
    latest = (select(func.max(CaseRating.id).label("id"))
              .group_by(col(CaseRating.submission_id)).subquery())
    for unit_id, rating, number in session.execute(
            select(key, CaseRating.rating, func.count()).select_from(Submission)
            .join(CaseRating, col(CaseRating.submission_id) == col(Submission.id))
            .where(col(CaseRating.id).in_(select(latest.c.id)), *clauses)
            .group_by(key, CaseRating.rating)):
        row = rows.setdefault(unit_id, UnitFigures(unit_id))
        row.rated += number
        row.satisfied += number if Rating(rating) in (Rating.satisfied, Rating.mostly) else 0


def unit_figures(session: Session, actor: Actor, query: QueueQuery, now: datetime, *,
                 tz: str = DEFAULT_TIMEZONE) -> tuple[UnitFigures, list[UnitFigures]]:
    """The totals of the filter, and one row per unit (largest first) that matches the
    queue filtered by that unit too."""
    clauses = where_clauses(session, actor, query.validated(), now, tz)
    totals: dict[int | None, UnitFigures] = {}
    _grouped(session, totals, literal(0), clauses, now, tz)
    total = totals.get(0, UnitFigures(None))
    total.unit_id = None
    rows: dict[int | None, UnitFigures] = {}
    concerned, responsible = col(Submission.unit_concerned_id), col(Submission.responsible_unit_id)
    _grouped(session, rows, concerned, clauses, now, tz)
    _grouped(session, rows, responsible,
             [*clauses, responsible.is_not(None),
              or_(concerned.is_(None), concerned != responsible)], now, tz)
    wanted = query.unit_id
    ordered = sorted((r for r in rows.values() if r.unit_id is not None
                      or wanted is None), key=lambda r: (-r.received, r.unit_id or 0))
    return total, ordered


def weekly_trend(session: Session, actor: Actor, query: QueueQuery, now: datetime, *,
                 tz: str = DEFAULT_TIMEZONE) -> list[Week]:
    """Received and concluded per week (Monday to Sunday, campaign time) over the filter's
    period, or the last `TREND_WEEKS` weeks when it has none."""
    today = local_day(now, tz)
    last = query.received_to or today
    first = query.received_from or (last - timedelta(weeks=TREND_WEEKS - 1))
    first -= timedelta(days=first.weekday())
    clauses = where_clauses(session, actor, query.validated(), now, tz)
    received: Counter[date] = Counter()
    concluded: Counter[date] = Counter()
    for received_at, concluded_at in session.execute(
            select(Submission.received_at, Submission.concluded_at).where(*clauses)):
        for moment, counter in ((received_at, received), (concluded_at, concluded)):
            if moment is not None:
                day = local_day(moment, tz)
                counter[day - timedelta(days=day.weekday())] += 1
    weeks = []
    start = first
    while start <= last and len(weeks) < 106:
        weeks.append(Week(start, received[start], concluded[start]))
        start += timedelta(weeks=1)
    return weeks
