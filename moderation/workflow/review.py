"""A moderator's decision after a review request or a 不满意 rating (`needs_decision`):
reopen the case for verification, or uphold the conclusion with a public reply."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from moderation.clock import Clock, system_clock
from moderation.errors import ValidationFailed
from moderation.intake import followup
from moderation.intake.deadlines import DEFAULT_TIMEZONE, handling_due, local_day, rules_for
from moderation.intake.models import (
    REASON_MAX,
    ReviewRequest,
    ReviewStatus,
    Submission,
)
from moderation.roles import Actor
from moderation.workflow import messages as m
from moderation.workflow.core import begin, finish
from moderation.workflow.inputs import text
from moderation.workflow.transitions import Action


def reopen(session: Session, actor: Actor, submission_id: int, expected_version: int,
           reason: str, *, due_on: date | None = None, clock: Clock = system_clock,
           tz: str = DEFAULT_TIMEZONE) -> Submission:
    """Send a concluded case back to verification, with a reason (kept as an internal
    note for the handler). A pending review request is granted."""
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.reopen, now)
    errors: dict[str, str] = {}
    why = text(reason, "reason", errors, max_len=REASON_MAX)
    today = local_day(now, tz)
    legal_max = handling_due(today, rules_for(session))
    due = due_on or legal_max
    if due < today:
        errors["handling_due_on"] = m.DUE_IN_PAST
    elif due > legal_max:
        errors["handling_due_on"] = m.DUE_TOO_LATE
    if errors:
        raise ValidationFailed(errors)
    _decide_review(session, actor, submission, ReviewStatus.granted, now)
    note = followup.reply(session, actor, submission, why, clock, public=False,
                          audited=False)
    return finish(session, actor, submission, expected_version, Action.reopen,
                  {"state": step.next_state, "needs_decision": False, "concluded_at": None,
                   "review_due_on": None, "outcome": None, "handling_due_on": due}, clock,
                  extra={"reason": why, "message_id": note.id})


def uphold(session: Session, actor: Actor, submission_id: int, expected_version: int,
           public_reply: str, *, clock: Clock = system_clock) -> Submission:
    """Keep the conclusion: clear `needs_decision` and tell the citizen why.
    A pending review request is refused."""
    now = clock()
    submission, _step = begin(session, actor, submission_id, expected_version,
                              Action.uphold, now)
    errors: dict[str, str] = {}
    reply_text = text(public_reply, "public_reply", errors)
    if errors:
        raise ValidationFailed(errors)
    _decide_review(session, actor, submission, ReviewStatus.refused, now)
    message = followup.reply(session, actor, submission, reply_text, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.uphold,
                  {"needs_decision": False}, clock, extra={"message_id": message.id})


def _decide_review(session: Session, actor: Actor, submission: Submission,
                   status: ReviewStatus, now: datetime) -> None:
    for request in session.exec(select(ReviewRequest).where(
            col(ReviewRequest.submission_id) == submission.id,
            col(ReviewRequest.status) == ReviewStatus.pending)):
        request.status, request.decided_at, request.decided_by_id = status, now, actor.id
        session.add(request)
    session.flush()
