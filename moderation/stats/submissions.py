"""Submission aggregates: per month, by kind, by channel, on-time and satisfaction.

Months are calendar months in the campaign's time zone. "Accepted" counts cases taken
in (accepted, verifying or concluded), dated by the decision; "concluded" counts cases
whose current state is concluded, dated by the conclusion. On time: concluded on or
before the handling due date. Satisfaction: the latest rating of each rated case,
满意 or 基本满意 over all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from moderation.intake.models import CaseRating, Rating, Submission, SubmissionState
from moderation.stats.local_dates import local_day, local_month, month_key
from moderation.stats.suppress import Count, Rate, count

TAKEN_IN = frozenset({SubmissionState.accepted, SubmissionState.verifying,
                      SubmissionState.concluded})


@dataclass(frozen=True)
class Flow:
    """Received, accepted and concluded counts for one month, kind or channel."""

    key: str
    received: Count
    accepted: Count
    concluded: Count


@dataclass(frozen=True)
class _Group:
    """Submissions alike in everything the statistics count: how many, of which kind and
    channel, in which state, received, decided and concluded in which local month, and
    whether they were concluded on time (None: no conclusion date or no due date)."""

    number: int
    kind: str
    channel: str
    state: SubmissionState
    received: str
    decided: str | None
    concluded: str | None
    on_time: bool | None


def _groups(session: Session, tz: str) -> list[_Group]:
    """The submissions grouped by the database: a few hundred rows whatever their number."""
    table = Submission.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    inner = core_select(
        table.c.kind, table.c.channel, table.c.state,
        local_month(table.c.received_at, tz, dialect).label("received"),
        local_month(table.c.decided_at, tz, dialect).label("decided"),
        local_month(table.c.concluded_at, tz, dialect).label("concluded"),
        (local_day(table.c.concluded_at, tz, dialect) <= table.c.handling_due_on
         ).label("on_time"),
    ).subquery()
    # Grouped outside the subquery: PostgreSQL would not see that a GROUP BY expression
    # is the selected one when each carries bound parameters of its own.
    columns = list(inner.c)
    rows = session.execute(core_select(func.count(), *columns).group_by(*columns))
    return [_Group(number, str(kind), str(channel), SubmissionState(state),
                   month_key(received) or "", month_key(decided), month_key(concluded),
                   None if on_time is None else bool(on_time))
            for number, kind, channel, state, received, decided, concluded, on_time in rows]


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _flows(keys: list[str], received: Counter[str], accepted: Counter[str],
           concluded: Counter[str], public: bool) -> list[Flow]:
    return [Flow(k, count(received[k], public), count(accepted[k], public),
                 count(concluded[k], public)) for k in keys]


@dataclass(frozen=True)
class SubmissionStats:
    months: list[Flow]
    by_kind: list[Flow]
    by_channel: list[Flow]
    on_time: Rate
    satisfaction: Rate


def submission_stats(session: Session, *, public: bool, tz: str,
                     kinds: list[str], channels: list[str]) -> SubmissionStats:
    """Every submission aggregate at once, from one grouped query."""
    dims = ("month", "kind", "channel")
    received: dict[str, Counter[str]] = {d: Counter() for d in dims}
    accepted: dict[str, Counter[str]] = {d: Counter() for d in dims}
    concluded: dict[str, Counter[str]] = {d: Counter() for d in dims}
    on_time = due_known = 0
    for group in _groups(session, tz):
        accepted_in = (group.decided or group.received) if group.state in TAKEN_IN else None
        concluded_in = group.concluded if group.state == SubmissionState.concluded else None
        for counters, month in ((received, group.received), (accepted, accepted_in),
                                (concluded, concluded_in)):
            if month is not None:
                for dim, key in (("month", month), ("kind", group.kind),
                                 ("channel", group.channel)):
                    counters[dim][key] += group.number
        if concluded_in is not None and group.on_time is not None:
            due_known += group.number
            on_time += group.number if group.on_time else 0
    seen = sorted(set(received["month"]) | set(accepted["month"]) | set(concluded["month"]))
    months = _month_range(seen[0], seen[-1]) if seen else []

    def flows(dim: str, keys: list[str]) -> list[Flow]:
        return _flows(keys, received[dim], accepted[dim], concluded[dim], public)

    return SubmissionStats(
        months=flows("month", months), by_kind=flows("kind", kinds),
        by_channel=flows("channel", channels),
        on_time=Rate.of(on_time, due_known, public),
        satisfaction=satisfaction(session, public=public),
    )


def satisfaction(session: Session, *, public: bool) -> Rate:
    """满意 + 基本满意 over all rated cases (each case's latest rating counts)."""
    latest: dict[int, Rating] = {}
    for submission_id, rating in session.exec(
            select(CaseRating.submission_id, CaseRating.rating)
            .order_by(col(CaseRating.created_at), col(CaseRating.id))):
        latest[submission_id] = rating
    good = sum(r in (Rating.satisfied, Rating.mostly) for r in latest.values())
    return Rate.of(good, len(latest), public)
