"""Retention: old cases are erased on a published schedule, their statistics kept.

The policy (one row, set by admins) says how long each kind of case is kept after its
decision: rejected as spam, rejected for another reason, concluded; and how long contact
details outlive the conclusion. Erasing a case deletes its data key (so nothing sealed
with it opens again), its text, its messages' text, its files and its contact details
and search tokens. What statistics count (kind, channel, state, outcome, units, dates
by the hour) and the audit trail stay. Each erased case gets one audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Field, Session, SQLModel, col, delete, select, update

from moderation.audit import record
from moderation.clock import Clock
from moderation.intake.models import (
    CaseMessage,
    CaseRating,
    RejectReason,
    ReviewRequest,
    Submission,
    SubmissionFile,
    SubmissionState,
)
from moderation.queue.models import SubmissionSearch
from moderation.roles import Actor
from moderation.sqltypes import utc_field

POLICY_ID = 1


class RetentionPolicy(SQLModel, table=True):
    """How many days each kind of case is kept; `last_run_on` lets one worker a day apply it."""

    id: int = Field(default=POLICY_ID, primary_key=True)
    spam_days: int = Field(default=365)
    rejected_days: int = Field(default=730)
    concluded_days: int = Field(default=1825)
    contact_grace_days: int = Field(default=90)
    last_run_on: date | None = Field(default=None)
    updated_at: datetime | None = utc_field(nullable=True)


RULES = ("spam", "rejected", "concluded", "contact")


def policy_of(session: Session) -> RetentionPolicy:
    """The policy (the defaults until an admin saves one)."""
    return session.get(RetentionPolicy, POLICY_ID) or RetentionPolicy()


@dataclass
class RetentionPlan:
    """What applying the policy now would erase, by rule."""

    erase: dict[str, list[Submission]] = field(default_factory=lambda: {
        "spam": [], "rejected": [], "concluded": []})
    contacts: list[Submission] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {**{rule: len(rows) for rule, rows in self.erase.items()},
                "contact": len(self.contacts)}


def plan(session: Session, policy: RetentionPolicy, now: datetime) -> RetentionPlan:
    """The cases due for erasure at `now` (not yet erased)."""
    result = RetentionPlan()
    live = (col(Submission.wrapped_key).is_not(None) | col(Submission.text_sealed).is_not(None)
            | col(Submission.contact_sealed).is_not(None))
    rejected = select(Submission).where(Submission.state == SubmissionState.rejected,
                                        live, col(Submission.decided_at).is_not(None))
    for sub in session.exec(rejected):
        spam = sub.reject_reason == RejectReason.spam
        days = policy.spam_days if spam else policy.rejected_days
        if sub.decided_at and sub.decided_at + timedelta(days=days) <= now:
            result.erase["spam" if spam else "rejected"].append(sub)
    concluded = select(Submission).where(Submission.state == SubmissionState.concluded,
                                         live, col(Submission.concluded_at).is_not(None))
    for sub in session.exec(concluded):
        assert sub.concluded_at is not None
        if sub.concluded_at + timedelta(days=policy.concluded_days) <= now:
            result.erase["concluded"].append(sub)
        elif (sub.contact_sealed is not None
              and sub.concluded_at + timedelta(days=policy.contact_grace_days) <= now):
            result.contacts.append(sub)
    return result


def apply(session: Session, policy: RetentionPolicy, upload_dir: Path, actor: Actor,
          clock: Clock) -> dict[str, int]:
    """Erase what is due; one audit row per case. The caller commits, then files go."""
    now = clock()
    due = plan(session, policy, now)
    hour = now.replace(minute=0, second=0, microsecond=0)
    doomed: list[Path] = []
    for rule, rows in due.erase.items():
        for sub in rows:
            files = list(session.exec(select(SubmissionFile).where(
                SubmissionFile.submission_id == sub.id)))
            doomed += [Path(upload_dir) / row.stored_name for row in files]
            for row in files:
                session.delete(row)
            session.exec(update(CaseMessage).where(  # type: ignore[call-overload]
                col(CaseMessage.submission_id) == sub.id).values(body="", body_sealed=None))
            session.exec(update(CaseRating).where(  # type: ignore[call-overload]
                col(CaseRating.submission_id) == sub.id).values(comment_sealed=None))
            session.exec(update(ReviewRequest).where(  # type: ignore[call-overload]
                col(ReviewRequest.submission_id) == sub.id).values(reason_sealed=None))
            session.exec(delete(SubmissionSearch).where(  # type: ignore[call-overload]
                col(SubmissionSearch.submission_id) == sub.id))
            sub.wrapped_key = None
            sub.contact_sealed = None
            sub.text_sealed = None
            sub.finding = ""
            sub.erased_at = hour
            sub.version += 1
            session.add(sub)
            record(session, actor, "retention.erase", "submission", sub.id,
                   after={"reference": sub.reference, "rule": rule, "files": len(files)},
                   clock=clock)
    for sub in due.contacts:
        sub.contact_sealed = None
        sub.version += 1
        session.add(sub)
        record(session, actor, "retention.erase_contact", "submission", sub.id,
               after={"reference": sub.reference, "rule": "contact"}, clock=clock)
    session.flush()
    session.info.setdefault("retention_files", []).extend(doomed)
    return due.counts()


def remove_erased_files(session: Session) -> int:
    """After the commit: delete the files of the cases just erased."""
    paths = session.info.pop("retention_files", [])
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)


def claim_daily_run(session: Session, today: date) -> bool:
    """True for the one worker that runs the policy today (a conditional UPDATE)."""
    if session.get(RetentionPolicy, POLICY_ID) is None:
        session.add(RetentionPolicy())
        session.flush()
    result = session.exec(update(RetentionPolicy).where(  # type: ignore[call-overload]
        col(RetentionPolicy.id) == POLICY_ID,
        col(RetentionPolicy.last_run_on).is_(None) | (col(RetentionPolicy.last_run_on) < today),
    ).values(last_run_on=today))
    return result.rowcount == 1
