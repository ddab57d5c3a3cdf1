"""The moderator's decisions on a new submission: classify, reject, mark a duplicate,
accept and route, and reply to the citizen. One transition and one audit row each."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from moderation.clock import Clock, system_clock
from moderation.errors import ValidationFailed
from moderation.intake import followup
from moderation.intake.deadlines import (
    DEFAULT_TIMEZONE,
    handling_due,
    local_day,
    rules_for,
)
from moderation.intake.models import (
    Category,
    HandlingMode,
    Priority,
    RejectReason,
    Submission,
    SubmissionState,
)
from moderation.roles import Actor, Role
from moderation.staff import staff_info
from moderation.workflow import messages as m
from moderation.workflow.core import begin, finish
from moderation.workflow.duplicates import root_case
from moderation.workflow.inputs import active_unit, choice, text
from moderation.workflow.models import policy_for
from moderation.workflow.routing_rules import check_routing
from moderation.workflow.transitions import Action

_UNCLAIMED = {"claimed_by_id": None, "claimed_until": None}


def classify(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
             category_id: int | None, unit_concerned_id: int | None,
             priority: Priority | str, clock: Clock = system_clock) -> Submission:
    """Set the category, the unit concerned and the priority (new or in review)."""
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.classify, clock())
    errors: dict[str, str] = {}
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None or not category.active:
            errors["category_id"] = m.UNKNOWN_CATEGORY
    if unit_concerned_id is not None and not active_unit(session, unit_concerned_id):
        errors["unit_concerned_id"] = m.UNKNOWN_UNIT
    level = choice(Priority, priority, "priority", m.UNKNOWN_PRIORITY, errors)
    if errors:
        raise ValidationFailed(errors)
    return finish(session, actor, submission, expected_version, Action.classify,
                  {"category_id": category_id, "unit_concerned_id": unit_concerned_id,
                   "priority": level, "state": step.next_state}, clock)


def reject(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
           reason: RejectReason | str, public_reply: str,
           clock: Clock = system_clock) -> Submission:
    """Do not accept (不予受理), with a reason code and a public reply to the citizen.

    The default reply of each reason is `messages.default_reject_reply` (a message id
    the web translates and lets the moderator edit); the text given here is stored.
    """
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.reject, now)
    errors: dict[str, str] = {}
    code = choice(RejectReason, reason, "reason", m.UNKNOWN_REASON, errors)
    if code == RejectReason.duplicate:
        errors["reason"] = m.USE_MARK_DUPLICATE
    reply_text = text(public_reply, "public_reply", errors)
    if errors:
        raise ValidationFailed(errors)
    message = followup.reply(session, actor, submission, reply_text, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.reject,
                  {"state": step.next_state, "reject_reason": code, "decided_at": now,
                   "awaiting_citizen": False, **_UNCLAIMED}, clock,
                  extra={"message_id": message.id})


def mark_duplicate(session: Session, actor: Actor, submission_id: int,
                   expected_version: int, *, main_id: int, public_reply: str,
                   clock: Clock = system_clock) -> Submission:
    """Reject as a duplicate of an open main case; the citizen then sees that case."""
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.mark_duplicate, now)
    errors: dict[str, str] = {}
    main = session.get(Submission, main_id)
    main = root_case(session, main) if main is not None else None
    if main is None:
        errors["duplicate_of_id"] = m.UNKNOWN_MAIN_CASE
    elif main.id == submission.id:
        errors["duplicate_of_id"] = m.MAIN_IS_SELF
    elif main.state == SubmissionState.rejected:
        errors["duplicate_of_id"] = m.MAIN_REJECTED
    reply_text = text(public_reply, "public_reply", errors)
    if errors:
        raise ValidationFailed(errors)
    assert main is not None
    message = followup.reply(session, actor, submission, reply_text, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.mark_duplicate,
                  {"state": step.next_state, "reject_reason": RejectReason.duplicate,
                   "duplicate_of_id": main.id, "decided_at": now, "awaiting_citizen": False,
                   **_UNCLAIMED}, clock,
                  extra={"message_id": message.id, "main_reference": main.reference})


def accept(session: Session, actor: Actor, submission_id: int, expected_version: int, *,
           mode: HandlingMode | str, responsible_unit_id: int | None,
           handler_id: int | None = None, due_on: date | None = None,
           clock: Clock = system_clock, tz: str = DEFAULT_TIMEZONE) -> Submission:
    """Accept (受理) and route: handling mode, responsible unit, handler and deadline.

    The deadline defaults to the statutory one and may be earlier, never later (only
    the one extension moves it further). Raises RoutingRefused when the lead would go
    to the unit it is about (see `routing_rules`).
    """
    now = clock()
    submission, step = begin(session, actor, submission_id, expected_version,
                             Action.accept, now)
    errors: dict[str, str] = {}
    how = choice(HandlingMode, mode, "handling_mode", m.UNKNOWN_MODE, errors)
    if responsible_unit_id is None or not active_unit(session, responsible_unit_id):
        errors["responsible_unit_id"] = m.UNKNOWN_UNIT
    elif handler_id is not None:
        handler = staff_info(session, handler_id)
        if (handler is None or handler.role != Role.handler or not handler.is_active
                or handler.unit_id != responsible_unit_id):
            errors["handler_id"] = m.UNKNOWN_HANDLER
    today = local_day(now, tz)
    legal_max = handling_due(today, rules_for(session))
    due = due_on or legal_max
    if due < today:
        errors["handling_due_on"] = m.DUE_IN_PAST
    elif due > legal_max:
        errors["handling_due_on"] = m.DUE_TOO_LATE
    if errors:
        raise ValidationFailed(errors)
    assert how is not None
    assert responsible_unit_id is not None
    check_routing(session, unit_concerned_id=submission.unit_concerned_id,
                  responsible_unit_id=responsible_unit_id, mode=how,
                  policy=policy_for(session))
    return finish(session, actor, submission, expected_version, Action.accept,
                  {"state": step.next_state, "handling_mode": how,
                   "responsible_unit_id": responsible_unit_id, "handler_id": handler_id,
                   "handling_due_on": due, "decided_at": now, **_UNCLAIMED}, clock)


def reply(session: Session, actor: Actor, submission_id: int, expected_version: int,
          message_text: str, *, clock: Clock = system_clock) -> Submission:
    """A moderator's public reply to the citizen, in any open state."""
    submission, _step = begin(session, actor, submission_id, expected_version,
                              Action.reply, clock())
    errors: dict[str, str] = {}
    body = text(message_text, "body", errors)
    if errors:
        raise ValidationFailed(errors)
    message = followup.reply(session, actor, submission, body, clock, audited=False)
    return finish(session, actor, submission, expected_version, Action.reply, {}, clock,
                  extra={"message_id": message.id})
