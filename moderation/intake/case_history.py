"""The citizen's view of their case as steps, in the order they happened.

Steps come from the submission (received), the audit log (accepted or not, verifying,
extended, concluded, reopened or upheld), the public messages (questions, answers,
replies, the citizen's own additions) and the citizen's rating and review request.
What the citizen may see is decided here: never an internal note or finding, never a
staff member's name, never which handler or which unit verifies a lead, only its kind
(办理方式).

Order. Citizen rows are stored to the hour, staff rows to the microsecond, so time alone
cannot order two things written in the same hour. Messages share one sequence (their
id), so they keep the order they were written in; a staff step carries the id of the
reply it sent. Steps without a message (accepting, starting verification, extending)
come before the messages of their hour; a rating or review request comes after the
conclusion it is about.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from moderation.audit import AuditEvent
from moderation.intake.deadlines import hour_of
from moderation.intake.followup import CitizenFile, citizen_timeline
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    CaseMessage,
    CaseRating,
    HandlingMode,
    MessageKind,
    Outcome,
    Rating,
    RejectReason,
    ReviewRequest,
    Submission,
)
from moderation.intake.texts import case_texts
from moderation.sqltypes import LocalizedText


class StepKind(enum.StrEnum):
    received = "received"
    accepted = "accepted"
    not_accepted = "not_accepted"
    merged = "merged"  # not accepted as a duplicate: handled with another case
    verifying = "verifying"
    extended = "extended"
    question = "question"
    answer = "answer"
    information = "information"  # the citizen added something
    reply = "reply"
    concluded = "concluded"
    review_requested = "review_requested"
    reopened = "reopened"  # review granted, or a moderator reopened after 不满意
    upheld = "upheld"  # review refused: the conclusion stands
    rated = "rated"


# Audit actions that are steps, and the kind of step each one is.
STEP_ACTIONS: dict[str, StepKind] = {
    "submission.accept": StepKind.accepted,
    "submission.reject": StepKind.not_accepted,
    "submission.mark_duplicate": StepKind.merged,
    "submission.start_verification": StepKind.verifying,
    "submission.extend": StepKind.extended,
    "submission.conclude": StepKind.concluded,
    "submission.reopen": StepKind.reopened,
    "submission.uphold": StepKind.upheld,
}
# Steps whose message is internal (reopen keeps its reason as a note): never shown.
PRIVATE_MESSAGE = {StepKind.reopened}
MESSAGE_STEPS = {MessageKind.question: StepKind.question, MessageKind.answer: StepKind.answer}

_RECEIVED = (-2, 0)
_FAR = 1 << 62


@dataclass
class Step:
    """One step as the citizen sees it (English values; the web layer translates)."""

    kind: StepKind
    at: datetime
    body: str = ""
    from_citizen: bool = False
    unit: LocalizedText | None = None  # the unit that wrote a reply, if any
    outcome: Outcome | None = None
    reject_reason: RejectReason | None = None
    mode: HandlingMode | None = None
    rating: Rating | None = None
    question_id: int | None = None
    answered: bool = False
    files: list[CitizenFile] = field(default_factory=list)
    order: tuple[datetime, tuple[int, int]] = field(default=None, repr=False)  # type: ignore[assignment]


def case_history(session: Session, keys: IntakeKeys, submission: Submission) -> list[Step]:
    """Every step of the case the citizen may see, oldest first."""
    assert submission.id is not None
    messages = citizen_timeline(session, keys, submission)
    texts = case_texts(keys, submission)  # the citizen's own words are sealed
    by_id = {entry.id: entry for entry in messages}
    steps = [Step(StepKind.received, submission.received_at, from_citizen=True)]
    steps[0].order = (hour_of(submission.received_at), _RECEIVED)
    used: set[int] = set()
    conclusions: list[tuple[datetime, int]] = []
    for event in _events(session, submission.id):
        kind = STEP_ACTIONS[event.action]
        after: dict[str, Any] = event.after or {}
        step = Step(kind, event.at, outcome=_enum(Outcome, after.get("outcome")),
                    reject_reason=_enum(RejectReason, after.get("reject_reason")),
                    mode=_enum(HandlingMode, after.get("handling_mode")))
        message_id = after.get("message_id")
        linked = by_id.get(message_id) if isinstance(message_id, int) else None
        if isinstance(message_id, int):
            used.add(message_id)
            step.order = (hour_of(event.at), (message_id, 0))
        else:
            step.order = (hour_of(event.at), (-1, event.seq))
        if linked is not None and kind not in PRIVATE_MESSAGE:
            step.body, step.unit = linked.body, linked.unit
        if kind == StepKind.concluded:
            conclusions.append((hour_of(event.at), step.order[1][0]))
        steps.append(step)
    _fill_from_submission(steps, submission)
    for entry in messages:
        if entry.id in used:
            continue
        kind = MESSAGE_STEPS.get(entry.kind) or (
            StepKind.information if entry.from_citizen else StepKind.reply)
        step = Step(kind, entry.at, body=entry.body, from_citizen=entry.from_citizen,
                    unit=entry.unit, question_id=entry.id if kind == StepKind.question else None,
                    answered=entry.answered, files=entry.files)
        step.order = (hour_of(entry.at), (entry.id, 0))
        steps.append(step)
    marks = _sequence_marks(session, submission.id)
    for n, request in enumerate(session.exec(select(ReviewRequest).where(
            ReviewRequest.submission_id == submission.id).order_by(col(ReviewRequest.id)))):
        step = Step(StepKind.review_requested, request.created_at,
                    body=texts.review_reason(request), from_citizen=True)
        step.order = _citizen_order(marks, MessageKind.review_request, n, conclusions,
                                    request.created_at, 2)
        steps.append(step)
    for n, rated in enumerate(session.exec(select(CaseRating).where(
            CaseRating.submission_id == submission.id).order_by(col(CaseRating.id)))):
        step = Step(StepKind.rated, rated.created_at, body=texts.rating_comment(rated),
                    from_citizen=True, rating=rated.rating)
        step.order = _citizen_order(marks, MessageKind.rating, n, conclusions,
                                    rated.created_at, 1)
        steps.append(step)
    return sorted(steps, key=lambda s: s.order)


def _events(session: Session, submission_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(
        AuditEvent.target_type == "submission", AuditEvent.target_id == str(submission_id),
        col(AuditEvent.action).in_(list(STEP_ACTIONS))).order_by(col(AuditEvent.seq))))


def _fill_from_submission(steps: list[Step], submission: Submission) -> None:
    """Cases changed without the workflow (imports, demo data) still show their steps."""
    kinds = {step.kind for step in steps}
    decided = submission.decided_at
    if decided is not None and not kinds & {StepKind.accepted, StepKind.not_accepted,
                                             StepKind.merged}:
        if submission.reject_reason is not None:
            step = Step(StepKind.not_accepted, decided, reject_reason=submission.reject_reason)
        else:
            step = Step(StepKind.accepted, decided, mode=submission.handling_mode)
        step.order = (hour_of(decided), (-1, -1))
        steps.append(step)
    concluded = submission.concluded_at
    if concluded is not None and StepKind.concluded not in kinds:
        step = Step(StepKind.concluded, concluded, outcome=submission.outcome)
        step.order = (hour_of(concluded), (_FAR, 0))
        steps.append(step)
    for step in steps:  # an audit row keeps only the values that changed
        if step.kind == StepKind.concluded and step.outcome is None:
            step.outcome = submission.outcome
        if step.kind == StepKind.accepted and step.mode is None:
            step.mode = submission.handling_mode


def _sequence_marks(session: Session, submission_id: int) -> dict[MessageKind, list[int]]:
    """Ids of the message rows that place each rating and review request in sequence."""
    marks: dict[MessageKind, list[int]] = {MessageKind.rating: [],
                                           MessageKind.review_request: []}
    for message_id, kind in session.exec(select(CaseMessage.id, CaseMessage.kind).where(
            CaseMessage.submission_id == submission_id,
            col(CaseMessage.kind).in_(list(marks))).order_by(col(CaseMessage.id))):
        marks[MessageKind(kind)].append(message_id)  # type: ignore[arg-type]
    return marks


def _citizen_order(marks: dict[MessageKind, list[int]], kind: MessageKind, n: int,
                   conclusions: list[tuple[datetime, int]], at: datetime,
                   rank: int) -> tuple[datetime, tuple[int, int]]:
    # The n-th rating is the n-th rating row (both are only ever appended). Rows from
    # before such marks existed follow the conclusion they are about.
    if n < len(marks[kind]):
        return hour_of(at), (marks[kind][n], 0)
    return hour_of(at), (_anchor(conclusions, at), rank)


def _anchor(conclusions: list[tuple[datetime, int]], at: datetime) -> int:
    """The order of the latest conclusion at or before `at` (hour precision)."""
    found = [order for hour, order in conclusions if hour <= hour_of(at)]
    return max(found) if found else _FAR


def _enum(kind: type[enum.StrEnum], value: object) -> Any:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None
