"""Statutory clocks: when a decision, the handling and a review request are due.

Defaults follow the Letters and Visits regulations (信访工作条例): a decision on
acceptance within 15 days of receipt; handling within 60 days of acceptance, extendable
once by 30 days with a reason; a review request within 30 days of the conclusion. A
campaign may set its own in a `ClockPolicy` row. Days are calendar days, counted in the
campaign's time zone; a due date is the last day on which the step is still on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from moderation.intake.models import ClockPolicy

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ClockRules:
    """The clocks of one campaign, in days."""

    decision_days: int = 15
    handling_days: int = 60
    extension_days: int = 30
    max_extensions: int = 1
    review_window_days: int = 30

    @classmethod
    def of(cls, policy: ClockPolicy) -> ClockRules:
        return cls(policy.decision_days, policy.handling_days, policy.extension_days,
                   policy.max_extensions, policy.review_window_days)


def rules_for(session: Session, campaign_id: int | None = None) -> ClockRules:
    """The campaign's clocks: its policy row, else the first policy, else the defaults."""
    query = select(ClockPolicy)
    if campaign_id is not None:
        query = query.where(ClockPolicy.campaign_id == campaign_id)
    policy = session.exec(query.order_by(ClockPolicy.id)).first()  # type: ignore[arg-type]
    return ClockRules.of(policy) if policy else ClockRules()


def hour_of(moment: datetime) -> datetime:
    """Truncate to the hour, the only precision a citizen's action is stored at."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_day(moment: datetime, tz: str = DEFAULT_TIMEZONE) -> date:
    """The calendar day of `moment` in the campaign's time zone."""
    return moment.astimezone(ZoneInfo(tz)).date()


def decision_due(received_at: datetime, rules: ClockRules, tz: str = DEFAULT_TIMEZONE) -> date:
    """Last day to accept or reject a submission received at `received_at`."""
    return local_day(received_at, tz) + timedelta(days=rules.decision_days)


def handling_due(accepted_on: date, rules: ClockRules) -> date:
    """Last day to conclude a case accepted on `accepted_on`."""
    return accepted_on + timedelta(days=rules.handling_days)


def extended_due(current_due: date, rules: ClockRules, extensions_so_far: int) -> date | None:
    """The handling due date after one more extension, or None if none is left."""
    if extensions_so_far >= rules.max_extensions:
        return None
    return current_due + timedelta(days=rules.extension_days)


def review_due(concluded_at: datetime, rules: ClockRules, tz: str = DEFAULT_TIMEZONE) -> date:
    """Last day on which the citizen may request a review of the conclusion."""
    return local_day(concluded_at, tz) + timedelta(days=rules.review_window_days)


def is_overdue(due_on: date | None, now: datetime, tz: str = DEFAULT_TIMEZONE) -> bool:
    """True once the due day has passed in the campaign's time zone."""
    return due_on is not None and local_day(now, tz) > due_on


def within(due_on: date | None, now: datetime, tz: str = DEFAULT_TIMEZONE) -> bool:
    """True while `now` is on or before the due day (e.g. a review request window)."""
    return due_on is not None and local_day(now, tz) <= due_on
