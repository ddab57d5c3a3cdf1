"""What every action shares: load with visibility, check the table and the version,
then apply the change with one audit row and a version bump (the caller commits).

The version check is a conditional UPDATE (`... WHERE version = :seen`), so on either
database two writers that saw the same version cannot both succeed: the second gets
`StaleVersion` with the current values.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select, update

from moderation.audit import record
from moderation.clock import Clock
from moderation.errors import (
    AlreadyClaimed,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
)
from moderation.intake.models import Submission
from moderation.roles import Actor, Role
from moderation.workflow.transitions import (
    ACTION_ROLES,
    GUARDS,
    Action,
    Transition,
    can_see,
    claimed_by_other,
    transition_for,
)

# The fields a stale-version page may show; never contact details or content.
SNAPSHOT_FIELDS = (
    "state", "version", "kind", "priority", "category_id", "unit_concerned_id",
    "claimed_by_id", "claimed_until", "reject_reason", "duplicate_of_id", "handling_mode",
    "responsible_unit_id", "handler_id", "handling_due_on", "extended", "outcome",
    "awaiting_citizen", "needs_decision", "concluded_at", "updated_at",
)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def plain(value: Any) -> Any:
    """A JSON-friendly value for audit rows and snapshots."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# Internal texts: the audit row keeps their digest, which proves what was written
# without putting a tip's findings in front of everyone who may read the log.
DIGESTED_FIELDS = frozenset({"finding"})


def audit_value(name: str, value: Any) -> Any:
    if name in DIGESTED_FIELDS and isinstance(value, str):
        return {"sha256": text_digest(value), "chars": len(value)}
    return plain(value)


def snapshot(submission: Submission) -> dict[str, Any]:
    """The current workflow values of a submission (for "what changed")."""
    return {name: plain(getattr(submission, name)) for name in SNAPSHOT_FIELDS}


def text_digest(text: str) -> str:
    """Audit rows keep a digest of internal texts, not the texts themselves."""
    return hashlib.sha256(text.encode()).hexdigest()


def require_role(actor: Actor, action: Action) -> None:
    if actor.id is None or actor.role not in ACTION_ROLES[action]:
        raise NotPermitted(f"{actor.role} may not {action.value}")


def load(session: Session, actor: Actor, submission_id: int, *,
         skip_locked: bool = False) -> Submission:
    """The submission, fresh from the database; NotFound if the actor may not see it.

    With `skip_locked` on PostgreSQL the row is locked, and a row another transaction
    holds raises AlreadyClaimed (it is being worked on right now).
    """
    query = (select(Submission).where(col(Submission.id) == submission_id)
             .execution_options(populate_existing=True))
    if skip_locked and is_postgres(session):
        row = session.exec(query.with_for_update(skip_locked=True)).first()
        if row is None and session.exec(
                select(Submission.id).where(col(Submission.id) == submission_id)).first():
            raise AlreadyClaimed("locked by another transaction")
    else:
        row = session.exec(query).first()
    if row is None or not can_see(row, actor):
        raise NotFound(f"submission {submission_id}")
    return row


def begin(session: Session, actor: Actor, submission_id: int, expected_version: int,
          action: Action, now: datetime, *, skip_locked: bool = False
          ) -> tuple[Submission, Transition]:
    """Run every check of the table for `action`; return the submission and its step."""
    require_role(actor, action)
    submission = load(session, actor, submission_id, skip_locked=skip_locked)
    if submission.version != expected_version:
        raise StaleVersion(f"submission {submission_id} is at version {submission.version}",
                           current=snapshot(submission), version=submission.version)
    step = transition_for(submission.state, action)
    if step is None or actor.role not in step.roles:
        raise InvalidTransition(f"cannot {action.value} in state {submission.state}")
    if actor.role == Role.moderator and claimed_by_other(submission, actor, now):
        raise AlreadyClaimed(claimed_by_id=submission.claimed_by_id,
                             claimed_until=submission.claimed_until)
    guard = GUARDS.get(action)
    if guard is not None and not guard(submission):
        raise InvalidTransition(f"{action.value} is not possible now")
    return submission, step


def finish(session: Session, actor: Actor, submission: Submission, expected_version: int,
           action: Action, changes: dict[str, Any], clock: Clock, *,
           extra: dict[str, Any] | None = None,
           prior: dict[str, Any] | None = None) -> Submission:
    """Apply `changes`, bump the version, and write the one audit row of this action.

    `extra` adds to the audit row (reason, message id); `prior` gives the old values of
    fields a helper already set (e.g. follow-up's `ask_question` sets awaiting_citizen).
    """
    assert submission.id is not None
    bumped = session.connection().execute(
        update(Submission).where(col(Submission.id) == submission.id,
                                 col(Submission.version) == expected_version)
        .values(version=expected_version + 1))
    if bumped.rowcount != 1:
        session.refresh(submission)
        raise StaleVersion(f"submission {submission.id} changed meanwhile",
                           current=snapshot(submission), version=submission.version)
    old = {k: getattr(submission, k) for k in changes} | (prior or {})
    changed = [k for k, v in changes.items() if old[k] != v]
    before = {k: audit_value(k, old[k]) for k in changed}
    after = {k: audit_value(k, changes[k]) for k in changed}
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.version = expected_version + 1
    submission.updated_at = clock()
    session.add(submission)
    session.flush()
    after = {"reference": submission.reference, **after, **(extra or {})}
    record(session, actor, f"submission.{action.value}", "submission", submission.id,
           before=before, after=after, clock=clock)
    return submission
