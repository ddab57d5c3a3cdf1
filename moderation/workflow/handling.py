"""The handler's side: verify a lead of their own unit, take notes, ask the citizen,
take the one extension, and conclude. A lead of another unit raises NotFound, so a
handler cannot even learn that it exists."""

from __future__ import annotations

from sqlmodel import Session

from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, ValidationFailed
from moderation.intake import followup
from moderation.intake.deadlines import (
    DEFAULT_TIMEZONE,
    extended_due,
    handling_due,
    local_day,
    review_due,
    rules_for,
)
from moderation.intake.models import (
    FINDING_MAX,
    REASON_MAX,
    Outcome,
    Submission,
    SubmissionKind,
)
from moderation.roles import Actor
from moderation.workflow import messages as m
from moderation.workflow.core import begin, finish
from moderation.workflow.inputs import choice, text
from moderation.workflow.transitions import Action

OUTCOMES: dict[SubmissionKind, tuple[Outcome, ...]] = {
    SubmissionKind.tip: (Outcome.substantiated, Outcome.partly_substantiated,
                         Outcome.unsubstantiated),
    SubmissionKind.suggestion: (Outcome.adopted, Outcome.partly_adopted, Outcome.noted),
}


def start_verification(session: Session, actor: Actor, submission_id: int,
                       expected_version: int, *, clock: Clock = system_clock) -> Submission:
    """The handler starts verifying an accepted lead (and becomes its handler if none)."""
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.start_verification, clock())
    changes: dict[str, object] = {"state": step.next_state}
    if submission.handler_id is None:
        changes["handler_id"] = actor.id
    return finish(session, actor, submission, expected_version, Action.start_verification,
                  changes, clock)


def add_note(session: Session, actor: Actor, submission_id: int, expected_version: int,
             note: str, *, clock: Clock = system_clock) -> Submission:
    """An internal note on the case; never shown to the citizen."""
    submission, _step = begin(session, actor, submission_id, expected_version, Action.note,
                              clock())
    errors: dict[str, str] = {}
    body = text(note, "body", errors)
    if errors:
        raise ValidationFailed(errors)
    message = followup.reply(session, actor, submission, body, clock, public=False,
                             audited=False)
    return finish(session, actor, submission, expected_version, Action.note, {}, clock,
                  extra={"message_id": message.id})


def ask_citizen(session: Session, actor: Actor, submission_id: int, expected_version: int,
                question: str, *, clock: Clock = system_clock) -> Submission:
    """A public question to the citizen (track page); the case then awaits the citizen
    until every question is answered (follow-up clears the flag)."""
    submission, _step = begin(session, actor, submission_id, expected_version, Action.ask,
                              clock())
    errors: dict[str, str] = {}
    body = text(question, "body", errors)
    if errors:
        raise ValidationFailed(errors)
    was_awaiting = submission.awaiting_citizen
    message = followup.ask_question(session, actor, submission, body, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.ask,
                  {"awaiting_citizen": True}, clock, extra={"message_id": message.id},
                  prior={"awaiting_citizen": was_awaiting})


def request_extension(session: Session, actor: Actor, submission_id: int,
                      expected_version: int, reason: str, *, clock: Clock = system_clock,
                      tz: str = DEFAULT_TIMEZONE) -> Submission:
    """Take the one extension of the handling deadline (30 days by default), with a reason.

    No moderator approval: the regulations let the handling body extend once with a
    reason; the extension is audited and visible in the queue, and cannot be repeated.
    """
    now = clock()
    submission, _step = begin(session, actor, submission_id, expected_version,
                              Action.extend, now)
    errors: dict[str, str] = {}
    why = text(reason, "extension_reason", errors, max_len=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    rules = rules_for(session)
    current = submission.handling_due_on or handling_due(local_day(now, tz), rules)
    new_due = extended_due(current, rules, 1 if submission.extended else 0)
    if new_due is None:
        raise InvalidTransition("no extension left")
    return finish(session, actor, submission, expected_version, Action.extend,
                  {"handling_due_on": new_due, "extended": True, "extension_reason": why},
                  clock)


def conclude(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
             outcome: Outcome | str, finding: str, public_reply: str,
             clock: Clock = system_clock, tz: str = DEFAULT_TIMEZONE) -> Submission:
    """Conclude (办结) with an outcome, an internal finding and a public reply; the
    citizen may then rate it and request a review within the review window."""
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.conclude, now)
    errors: dict[str, str] = {}
    result = choice(Outcome, outcome, "outcome", m.UNKNOWN_OUTCOME, errors)
    if result is not None and result not in OUTCOMES[submission.kind]:
        errors["outcome"] = m.UNKNOWN_OUTCOME
    internal = text(finding, "finding", errors, max_len=FINDING_MAX)
    reply_text = text(public_reply, "public_reply", errors)
    if errors:
        raise ValidationFailed(errors)
    message = followup.reply(session, actor, submission, reply_text, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.conclude,
                  {"state": step.next_state, "outcome": result, "finding": internal,
                   "concluded_at": now,
                   "review_due_on": review_due(now, rules_for(session), tz),
                   "awaiting_citizen": False, "needs_decision": False}, clock,
                  extra={"message_id": message.id})
