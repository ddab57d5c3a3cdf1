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
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from moderation.intake.models import CaseRating, Rating, Submission, SubmissionState
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
class _Case:
    kind: str
    channel: str
    received: date
    accepted: date | None
    concluded: date | None
    handling_due_on: date | None


def _day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment is not None else None


def _cases(session: Session, tz: str) -> list[_Case]:
    zone = ZoneInfo(tz)
    rows = session.exec(select(Submission.kind, Submission.channel, Submission.state,
                               Submission.received_at, Submission.decided_at,
                               Submission.concluded_at, Submission.handling_due_on))
    out = []
    for kind, channel, state, received_at, decided_at, concluded_at, due in rows:
        received = _day(received_at, zone)
        assert received is not None
        accepted = (_day(decided_at, zone) or received) if state in TAKEN_IN else None
        concluded = _day(concluded_at, zone) if state == SubmissionState.concluded else None
        out.append(_Case(str(kind), str(channel), received, accepted, concluded, due))
    return out


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


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


def _keys(case: _Case, day: date) -> dict[str, str]:
    return {"month": _month(day), "kind": case.kind, "channel": case.channel}


def submission_stats(session: Session, *, public: bool, tz: str,
                     kinds: list[str], channels: list[str]) -> SubmissionStats:
    """Every submission aggregate at once (one pass over the submissions)."""
    dims = ("month", "kind", "channel")
    received: dict[str, Counter[str]] = {d: Counter() for d in dims}
    accepted: dict[str, Counter[str]] = {d: Counter() for d in dims}
    concluded: dict[str, Counter[str]] = {d: Counter() for d in dims}
    on_time = due_known = 0
    for case in _cases(session, tz):
        for counters, day in ((received, case.received), (accepted, case.accepted),
                              (concluded, case.concluded)):
            if day is not None:
                for dim, key in _keys(case, day).items():
                    counters[dim][key] += 1
        if case.concluded is not None and case.handling_due_on is not None:
            due_known += 1
            on_time += case.concluded <= case.handling_due_on
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
