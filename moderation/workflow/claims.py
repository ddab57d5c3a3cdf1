"""Claims: a moderator who opens an item for triage holds it for a few minutes.

On PostgreSQL the row is also locked (`FOR UPDATE SKIP LOCKED`) for the transaction, so
an item another transaction is claiming right now counts as claimed, and `claim_next`
never hands one item to two moderators. On SQLite (one writer at a time) the
conditional version update in `core.finish` gives the same guarantee.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotPermitted, StaleVersion
from moderation.intake.models import (
    Priority,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.roles import Actor, Role
from moderation.workflow.core import begin, finish, is_postgres
from moderation.workflow.models import policy_for
from moderation.workflow.transitions import Action, transition_for

_NEXT_ATTEMPTS = 20  # SQLite only: candidates taken meanwhile by another moderator


def claim_expiry(session: Session, now: datetime, minutes: int | None = None) -> datetime:
    return now + timedelta(minutes=minutes or policy_for(session).claim_minutes)


def claim(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
          clock: Clock = system_clock, minutes: int | None = None) -> Submission:
    """Claim an undecided item (new -> in review); renews the actor's own claim.

    Raises AlreadyClaimed while another moderator's claim is valid, or while another
    transaction holds the row (PostgreSQL).
    """
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version, Action.claim,
                             now, skip_locked=True)
    return finish(session, actor, submission, expected_version, Action.claim,
                  {"state": step.next_state, "claimed_by_id": actor.id,
                   "claimed_until": claim_expiry(session, now, minutes)}, clock)


def release(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
            clock: Clock = system_clock) -> Submission:
    """Give up one's claim (the item stays in review for any moderator)."""
    submission, _step = begin(session, actor, submission_id, expected_version,
                              Action.release, clock())
    if submission.claimed_by_id is None:
        raise InvalidTransition("the item is not claimed")
    return finish(session, actor, submission, expected_version, Action.release,
                  {"claimed_by_id": None, "claimed_until": None}, clock)


def claim_next(session: Session, actor: Actor, *, clock: Clock = system_clock,
               kind: SubmissionKind | None = None, unit_concerned_id: int | None = None,
               category_id: int | None = None, priority: Priority | None = None,
               minutes: int | None = None) -> Submission | None:
    """Claim the oldest undecided item nobody holds (matching the filters), or None."""
    if actor.id is None or actor.role != Role.moderator:
        raise NotPermitted("only moderators claim items")
    now = clock()
    query = (select(Submission)
             .where(col(Submission.state).in_([SubmissionState.new, SubmissionState.in_review]),
                    or_(col(Submission.claimed_until).is_(None),
                        col(Submission.claimed_until) <= now))
             .order_by(col(Submission.received_at), col(Submission.id))
             .limit(1).execution_options(populate_existing=True))
    if kind is not None:
        query = query.where(col(Submission.kind) == kind)
    if unit_concerned_id is not None:
        query = query.where(col(Submission.unit_concerned_id) == unit_concerned_id)
    if category_id is not None:
        query = query.where(col(Submission.category_id) == category_id)
    if priority is not None:
        query = query.where(col(Submission.priority) == priority)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    tried: list[int] = []
    for _attempt in range(_NEXT_ATTEMPTS):
        candidate = session.exec(
            query.where(col(Submission.id).notin_(tried)) if tried else query).first()
        if candidate is None:
            return None
        assert candidate.id is not None
        step = transition_for(candidate.state, Action.claim)
        assert step is not None
        try:
            return finish(session, actor, candidate, candidate.version, Action.claim,
                          {"state": step.next_state, "claimed_by_id": actor.id,
                           "claimed_until": claim_expiry(session, now, minutes)}, clock)
        except StaleVersion:
            tried.append(candidate.id)  # another moderator took it first
    return None
