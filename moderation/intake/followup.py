"""Follow-up on a case: the citizen's side (messages, answers, rating, review request) and
the staff questions and replies the citizen sees.

Citizen writes keep the intake promises: no audit row (it would tie a moment to the
case), no time finer than the hour, nothing about the sender. Staff writes are audited.
Nothing here commits: the caller commits once. What the citizen may see is decided here
(`citizen_timeline`), never in a template: public messages only, never internal notes,
never a staff member's name (a unit or "staff").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import column, table
from sqlmodel import Session, col, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotFound, NotPermitted
from moderation.intake.deadlines import (
    DEFAULT_TIMEZONE,
    ClockRules,
    hour_of,
    review_due,
    within,
)
from moderation.intake.files import Envelope, UploadBatch
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    MESSAGE_MAX,
    REASON_MAX,
    CaseMessage,
    CaseRating,
    MessageAuthor,
    MessageKind,
    Rating,
    ReviewRequest,
    ReviewStatus,
    Submission,
    SubmissionFile,
    SubmissionState,
)
from moderation.intake.service import _add_files, _discard_on_error
from moderation.intake.storage import data_key_of, display_name_of
from moderation.intake.texts import case_texts, seal_part
from moderation.intake.validation import _Checker
from moderation.roles import Actor, Role
from moderation.sqltypes import LocalizedText
from moderation.units import Unit


def _(message: str) -> str:
    """Extraction marker: returns the message id unchanged."""
    return message


MESSAGE_EMPTY = _("Please write a message or attach a file.")
NOT_CONCLUDED = _("This case is not concluded yet.")
ALREADY_RATED = _("You have already rated this conclusion.")
RATING_REQUIRED = _("Please choose a rating.")
REVIEW_CLOSED = _("The time to request a review of this conclusion has passed.")
REVIEW_ALREADY = _("You have already requested a review of this conclusion.")
QUESTION_ANSWERED = _("This question has already been answered.")
CASE_ERASED = _("This case was erased: nothing more can be added to it.")

STAFF_WRITERS = (Role.moderator, Role.handler)
_staff = table("staffuser", column("id"), column("unit_id"))


class FollowupRefused(InvalidTransition):
    """The citizen's action is not possible now; `message` is an English message id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the citizen's side ------------------------------------------------------------------

def upload_envelope(keys: IntakeKeys, submission: Submission) -> Envelope:
    """The envelope a follow-up's files are bound to: the submission's own reference and key."""
    return Envelope(submission.reference, data_key_of(keys, submission))


def add_message(session: Session, submission: Submission, text: str, *, keys: IntakeKeys,
                uploads: UploadBatch | None = None, clock: Clock = system_clock) -> CaseMessage:
    """The citizen adds information (text, files or both) to their case (sealed)."""
    with _discard_on_error(uploads):
        body = _body(text, uploads)
        return _citizen_message(session, keys, submission, MessageKind.message, body,
                                uploads, clock, reply_to=None)


def answer_question(session: Session, submission: Submission, question_id: int, text: str, *,
                    keys: IntakeKeys, uploads: UploadBatch | None = None,
                    clock: Clock = system_clock) -> CaseMessage:
    """The citizen answers a staff question on their case (once per question)."""
    with _discard_on_error(uploads):
        question = session.get(CaseMessage, question_id)
        if (question is None or question.submission_id != submission.id
                or question.kind != MessageKind.question or not question.public):
            raise NotFound("no such question on this case")
        if _answered(session, question_id):
            raise FollowupRefused(QUESTION_ANSWERED)
        body = _body(text, uploads)
        answer = _citizen_message(session, keys, submission, MessageKind.answer, body,
                                  uploads, clock, reply_to=question_id)
        assert submission.id is not None
        if not open_questions(session, submission.id):
            submission.awaiting_citizen = False
            session.add(submission)
            session.flush()
        return answer


def rate(session: Session, submission: Submission, rating: Rating | str | None,
         comment: str = "", *, keys: IntakeKeys, clock: Clock = system_clock) -> CaseRating:
    """The citizen rates a concluded case (满意 / 基本满意 / 不满意), once per conclusion.

    A 不满意 rating is for the queue to act on (issue 4: it reopens for a moderator).
    """
    if submission.state != SubmissionState.concluded or submission.concluded_at is None:
        raise FollowupRefused(NOT_CONCLUDED)
    if current_rating(session, submission) is not None:
        raise FollowupRefused(ALREADY_RATED)
    try:
        value = Rating(rating) if rating else None
    except ValueError:
        value = None
    check = _Checker()
    if value is None:
        check.errors["rating"] = RATING_REQUIRED
    clean = check.text("comment", comment, REASON_MAX)
    check.raise_if_any()
    assert value is not None
    assert submission.id is not None
    row = CaseRating(submission_id=submission.id, rating=value,
                     comment_sealed=_seal(keys, submission, "rating", clean),
                     created_at=hour_of(clock()))
    session.add(row)
    if value == Rating.dissatisfied:
        submission.needs_decision = True  # a moderator decides whether to reopen
        session.add(submission)
    session.flush()
    return row


def request_review(session: Session, submission: Submission, reason: str = "", *,
                   keys: IntakeKeys, clock: Clock = system_clock,
                   rules: ClockRules | None = None,
                   tz: str = DEFAULT_TIMEZONE) -> ReviewRequest:
    """The citizen asks for a review of the conclusion, within the review window only."""
    if submission.state != SubmissionState.concluded or submission.concluded_at is None:
        raise FollowupRefused(NOT_CONCLUDED)
    if not within(review_window(submission, rules, tz), clock(), tz):
        raise FollowupRefused(REVIEW_CLOSED)
    if current_review(session, submission) is not None:
        raise FollowupRefused(REVIEW_ALREADY)
    check = _Checker()
    clean = check.text("reason", reason, REASON_MAX)
    check.raise_if_any()
    assert submission.id is not None
    row = ReviewRequest(submission_id=submission.id,
                        reason_sealed=_seal(keys, submission, "review", clean),
                        status=ReviewStatus.pending, created_at=hour_of(clock()))
    session.add(row)
    submission.needs_decision = True  # a moderator decides whether to reopen
    session.add(submission)
    session.flush()
    return row


def review_window(submission: Submission, rules: ClockRules | None = None,
                  tz: str = DEFAULT_TIMEZONE) -> date | None:
    """The last day a review may be requested (None until the case is concluded)."""
    if submission.state != SubmissionState.concluded or submission.concluded_at is None:
        return None
    if submission.review_due_on is not None:
        return submission.review_due_on
    return review_due(submission.concluded_at, rules or ClockRules(), tz)


def current_rating(session: Session, submission: Submission) -> CaseRating | None:
    """The rating given since the latest conclusion, if any."""
    start = _round_start(submission)
    if start is None:
        return None
    return session.exec(select(CaseRating).where(
        CaseRating.submission_id == submission.id, col(CaseRating.created_at) >= start)
        .order_by(col(CaseRating.id).desc())).first()


def current_review(session: Session, submission: Submission) -> ReviewRequest | None:
    """The review request made since the latest conclusion, if any."""
    start = _round_start(submission)
    if start is None:
        return None
    return session.exec(select(ReviewRequest).where(
        ReviewRequest.submission_id == submission.id, col(ReviewRequest.created_at) >= start)
        .order_by(col(ReviewRequest.id).desc())).first()


def can_rate(session: Session, submission: Submission) -> bool:
    return (submission.state == SubmissionState.concluded
            and current_rating(session, submission) is None)


def can_request_review(session: Session, submission: Submission, now: datetime,
                       rules: ClockRules | None = None, tz: str = DEFAULT_TIMEZONE) -> bool:
    return (within(review_window(submission, rules, tz), now, tz)
            and current_review(session, submission) is None)


@dataclass(frozen=True)
class CitizenFile:
    """A file the citizen sent, as they may see it (their own name for it, its size)."""

    name: str
    size: int
    media_type: str


@dataclass(frozen=True)
class TimelineEntry:
    """One public message as the citizen sees it: no staff name, hour-precision time."""

    id: int
    kind: MessageKind
    from_citizen: bool
    unit: LocalizedText | None  # the replying staff member's unit, if any
    body: str
    at: datetime
    reply_to_id: int | None = None
    answered: bool = False  # questions: the citizen has answered
    files: list[CitizenFile] = field(default_factory=list)


def citizen_timeline(session: Session, keys: IntakeKeys,
                     submission: Submission) -> list[TimelineEntry]:
    """The public messages of a case, oldest first, with the citizen's files on theirs."""
    rows = list(session.exec(select(CaseMessage).where(
        CaseMessage.submission_id == submission.id, col(CaseMessage.public).is_(True),
        col(CaseMessage.kind).in_([MessageKind.message, MessageKind.question,
                                   MessageKind.answer]))
        .order_by(col(CaseMessage.created_at), col(CaseMessage.id))))
    answered = {r.reply_to_id for r in rows if r.kind == MessageKind.answer}
    files = _files_by_message(session, keys, submission, [r.id for r in rows
                                                          if r.author == MessageAuthor.citizen])
    units = _units_of(session, {r.staff_id for r in rows if r.staff_id})
    texts = case_texts(keys, submission)
    entries = []
    for row in rows:
        assert row.id is not None
        citizen = row.author == MessageAuthor.citizen
        entries.append(TimelineEntry(
            id=row.id, kind=row.kind, from_citizen=citizen,
            unit=None if citizen else units.get(row.staff_id or 0),
            body=texts.message_body(row), at=hour_of(row.created_at),
            reply_to_id=row.reply_to_id,
            answered=row.id in answered, files=files.get(row.id, [])))
    return entries


def submitted_files(session: Session, keys: IntakeKeys,
                    submission: Submission) -> list[CitizenFile]:
    """The files sent with the submission itself."""
    return _files_by_message(session, keys, submission, [None]).get(None, [])


def open_questions(session: Session, submission_id: int) -> list[CaseMessage]:
    """Public staff questions the citizen has not answered yet ("awaiting the citizen")."""
    rows = session.exec(select(CaseMessage).where(
        CaseMessage.submission_id == submission_id, CaseMessage.kind == MessageKind.question,
        col(CaseMessage.public).is_(True)).order_by(col(CaseMessage.id)))
    return [row for row in rows if row.id is not None and not _answered(session, row.id)]


# --- the staff side ----------------------------------------------------------------------

def ask_question(session: Session, actor: Actor, submission: Submission, text: str,
                 clock: Clock = system_clock, *, audited: bool = True) -> CaseMessage:
    """A moderator or handler asks the citizen a question (shown on the track page).

    The case is then awaiting the citizen until every question is answered.
    """
    row = _staff_message(session, actor, submission, text, clock, MessageKind.question,
                         public=True, action="submission.question", audited=audited)
    submission.awaiting_citizen = True
    session.add(submission)
    session.flush()
    return row


def reply(session: Session, actor: Actor, submission: Submission, text: str,
          clock: Clock = system_clock, *, public: bool = True,
          audited: bool = True) -> CaseMessage:
    """A staff reply to the citizen, or with `public=False` an internal note (never shown)."""
    return _staff_message(session, actor, submission, text, clock, MessageKind.message,
                          public=public, audited=audited,
                          action="submission.reply" if public else "submission.note")


# --- helpers -----------------------------------------------------------------------------

def _body(text: str, uploads: UploadBatch | None) -> str:
    check = _Checker()
    body = check.text("body", text, MESSAGE_MAX)
    if not body and not (uploads and uploads.finished) and "body" not in check.errors:
        check.errors["body"] = MESSAGE_EMPTY
    check.raise_if_any()
    return body


def _seal(keys: IntakeKeys, submission: Submission, part: str, text: str) -> bytes | None:
    if not text:
        return None
    if submission.wrapped_key is None:
        raise FollowupRefused(CASE_ERASED)  # no key left to seal the citizen's words with
    return seal_part(data_key_of(keys, submission), submission.reference, part, text)


def _citizen_message(session: Session, keys: IntakeKeys, submission: Submission,
                     kind: MessageKind, body: str, uploads: UploadBatch | None, clock: Clock,
                     reply_to: int | None) -> CaseMessage:
    assert submission.id is not None
    row = CaseMessage(submission_id=submission.id, author=MessageAuthor.citizen, kind=kind,
                      body_sealed=_seal(keys, submission, "message", body), public=True,
                      reply_to_id=reply_to, created_at=hour_of(clock()))
    session.add(row)
    session.flush()
    if uploads and uploads.finished:
        if uploads.envelope.reference != submission.reference:
            raise ValueError("uploads belong to another submission")
        uploads.promote()
        _add_files(session, uploads.envelope, submission, uploads, clock, message_id=row.id)
    return row


def _staff_message(session: Session, actor: Actor, submission: Submission, text: str,
                   clock: Clock, kind: MessageKind, *, public: bool,
                   action: str, audited: bool = True) -> CaseMessage:
    # audited=False: a queue action (moderation.workflow) writes the one audit row itself.
    if actor.role not in STAFF_WRITERS or actor.id is None:
        raise NotPermitted("only moderators and handlers write to a case")
    check = _Checker()
    body = check.text("body", text, MESSAGE_MAX, required=True)
    check.raise_if_any()
    assert submission.id is not None
    row = CaseMessage(submission_id=submission.id, author=MessageAuthor.staff,
                      staff_id=actor.id, kind=kind, body=body, public=public,
                      created_at=clock())
    session.add(row)
    session.flush()
    if not audited:
        return row
    record(session, actor, action, "submission", submission.id,
           after={"reference": submission.reference, "message_id": row.id,
                  "kind": kind.value, "public": public}, clock=clock)
    return row


def _answered(session: Session, question_id: int) -> bool:
    return session.exec(select(CaseMessage.id).where(
        CaseMessage.reply_to_id == question_id,
        CaseMessage.kind == MessageKind.answer)).first() is not None


def _round_start(submission: Submission) -> datetime | None:
    # Citizen rows are stored at the hour, so a round starts at the conclusion's hour.
    if submission.state != SubmissionState.concluded or submission.concluded_at is None:
        return None
    return hour_of(submission.concluded_at)


def _units_of(session: Session, staff_ids: set[int]) -> dict[int, LocalizedText]:
    if not staff_ids:
        return {}
    # The domain does not import the web layer's StaffUser model: read its two columns.
    pairs = session.exec(select(_staff.c.id, _staff.c.unit_id).where(  # type: ignore[call-overload]
        _staff.c.id.in_(staff_ids))).all()
    unit_ids = {unit_id for _id, unit_id in pairs if unit_id}
    names = {u.id: u.name for u in session.exec(select(Unit).where(
        col(Unit.id).in_(unit_ids)))} if unit_ids else {}
    return {staff_id: names[unit_id] for staff_id, unit_id in pairs if unit_id in names}


def _files_by_message(session: Session, keys: IntakeKeys, submission: Submission,
                      message_ids: list[int | None]) -> dict[int | None, list[CitizenFile]]:
    if not message_ids or submission.wrapped_key is None:
        return {}
    query = select(SubmissionFile).where(SubmissionFile.submission_id == submission.id)
    wanted = [m for m in message_ids if m is not None]
    if None in message_ids:
        query = query.where(col(SubmissionFile.message_id).is_(None)
                            | col(SubmissionFile.message_id).in_(wanted))
    else:
        query = query.where(col(SubmissionFile.message_id).in_(wanted))
    found: dict[int | None, list[CitizenFile]] = {}
    for row in session.exec(query.order_by(col(SubmissionFile.id))):
        found.setdefault(row.message_id, []).append(CitizenFile(
            display_name_of(keys, submission, row), row.size, row.media_type))
    return found
