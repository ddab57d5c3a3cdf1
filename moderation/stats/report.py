"""The statistics as one object, for the public page and for leaders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from moderation.intake.deadlines import DEFAULT_TIMEZONE
from moderation.intake.models import Channel, SubmissionKind
from moderation.stats.ledger import MechanismStats, UnitLedger, ledger_by_unit, mechanism_stats
from moderation.stats.submissions import SubmissionStats, submission_stats


@dataclass(frozen=True)
class Statistics:
    public: bool
    generated_at: datetime
    submissions: SubmissionStats
    ledger_units: list[UnitLedger]
    mechanisms: MechanismStats


def _statistics(session: Session, *, public: bool, now: datetime, tz: str) -> Statistics:
    return Statistics(
        public=public, generated_at=now,
        submissions=submission_stats(
            session, public=public, tz=tz, kinds=[k.value for k in SubmissionKind],
            channels=[c.value for c in Channel]),
        ledger_units=ledger_by_unit(session, public=public, now=now, tz=tz),
        mechanisms=mechanism_stats(session, public=public),
    )


def public_statistics(session: Session, *, now: datetime,
                      tz: str = DEFAULT_TIMEZONE) -> Statistics:
    """Aggregates for everyone: counts under 5 suppressed, internal items left out."""
    return _statistics(session, public=True, now=now, tz=tz)


def leader_statistics(session: Session, *, now: datetime,
                      tz: str = DEFAULT_TIMEZONE) -> Statistics:
    """The same aggregates, whole, internal items included (leader role only)."""
    return _statistics(session, public=False, now=now, tz=tz)
