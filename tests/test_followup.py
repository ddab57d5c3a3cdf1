"""Follow-up domain: public statuses, citizen messages, answers, rating, review requests,
and what the citizen may see (never internal notes, never staff names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from moderation.audit import AuditEvent
from moderation.clock import Clock, FixedClock
from moderation.errors import NotFound, NotPermitted, ValidationFailed
from moderation.intake import followup
from moderation.intake.files import UploadBatch, UploadLimits
from moderation.intake.followup import FollowupRefused
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    CaseMessage,
    Rating,
    ReviewRequest,
    Submission,
    SubmissionFile,
    SubmissionState,
)
from moderation.intake.public_status import (
    EXPLANATIONS,
    LABELS,
    PUBLIC_STATUS,
    PublicStatus,
    main_case,
    public_view,
)
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact
from moderation.intake.texts import case_texts
from moderation.intake.validation import TipInput
from moderation.roles import Actor, Role
from moderation.units import Unit
from tests.test_intake_sanitize import jpeg_with_gps

KEYS = IntakeKeys.from_secrets("followup-test-secret-" + "f" * 40)
CONTENT = "派出所民警在办理户口时索要好处费，拖延不办。Marker-content-7731."


@dataclass
class Case:
    submission: Submission
    receipt: str


def make_case(db: Session, keys: IntakeKeys, clock: Clock, *, name: str = "",
              email: str = "", phone: str = "") -> Case:
    """A tip submitted through the domain service (anonymous unless a name is given)."""
    contact = Contact(name=name, phone=phone, email=email) if name else Contact()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock),
                        TipInput(content=CONTENT, anonymous=not name, contact=contact),
                        clock=clock)
    db.commit()
    return Case(result.submission, result.receipt)


def conclude(db: Session, submission: Submission, clock: Clock) -> None:
    """Stand-in for the queue's conclude transition (issue 4)."""
    submission.state = SubmissionState.concluded
    submission.concluded_at = clock()
    db.add(submission)
    db.commit()


def staff_actor(db: Session, make_user, role: Role = Role.handler, *,  # type: ignore[no-untyped-def]
                unit: Unit | None = None, username: str = "handler1") -> Actor:
    user = make_user(role, username=username, unit_id=unit.id if unit else None)
    user.display_name = "Officer Zhang-Secret"
    db.add(user)
    db.commit()
    return Actor(id=user.id, label=user.username, role=user.role, unit_id=user.unit_id)


def batch_with(db: Session, upload_dir: Path, submission: Submission,
               *items: tuple[str, bytes]) -> UploadBatch:
    batch = UploadBatch(upload_dir, followup.upload_envelope(KEYS, submission), UploadLimits())
    for name, data in items:
        sink = batch.open(name)
        sink.write(data)
        sink.finish()
    return batch


@pytest.fixture
def case(db: Session, clock: FixedClock) -> Case:
    return make_case(db, KEYS, clock)


# --- public status -----------------------------------------------------------------------

def test_every_state_has_a_public_status_label_and_explanation() -> None:
    assert set(PUBLIC_STATUS) == set(SubmissionState)
    assert set(PUBLIC_STATUS.values()) == set(PublicStatus)
    assert public_view(SubmissionState.verifying).status == PublicStatus.being_handled
    assert public_view(SubmissionState.accepted).status == PublicStatus.being_handled
    assert public_view(SubmissionState.rejected).status == PublicStatus.not_accepted
    for status in PublicStatus:
        assert LABELS[status]
        assert len(EXPLANATIONS[status]) > 40


# --- citizen messages ---------------------------------------------------------------------

def test_message_with_file_is_stored_at_the_hour_without_an_audit_row(
        db: Session, case: Case, clock: FixedClock, tmp_path: Path) -> None:
    clock.advance(minutes=37, seconds=12)
    batch = batch_with(db, tmp_path / "uploads", case.submission,
                       ("现场照片.jpg", jpeg_with_gps()))
    message = followup.add_message(db, case.submission, "  补充：还有一名证人。 ",
                                   keys=KEYS, uploads=batch, clock=clock)
    db.commit()
    assert message.body == ""
    assert "证人".encode() not in message.body_sealed
    assert case_texts(KEYS, case.submission).message_body(message) == "补充：还有一名证人。"
    assert message.created_at == datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    files = db.exec(select(SubmissionFile).where(SubmissionFile.message_id == message.id)).all()
    assert len(files) == 1
    assert files[0].created_at.minute == 0
    assert (tmp_path / "uploads" / files[0].stored_name).is_file()
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == 0
    timeline = followup.citizen_timeline(db, KEYS, case.submission)
    assert [(e.from_citizen, e.body) for e in timeline] == [(True, "补充：还有一名证人。")]
    assert [f.name for f in timeline[0].files] == ["现场照片.jpg"]


def test_empty_or_hostile_message_is_refused_and_its_files_deleted(
        db: Session, case: Case, clock: FixedClock, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as empty:
        followup.add_message(db, case.submission, "   ", keys=KEYS, clock=clock)
    assert empty.value.errors == {"body": followup.MESSAGE_EMPTY}
    uploads = tmp_path / "uploads"
    batch = batch_with(db, uploads, case.submission, ("a.txt", b"some evidence text\n"))
    with pytest.raises(ValidationFailed):
        followup.add_message(db, case.submission, "bad \x00 byte", uploads=batch, keys=KEYS,
                             clock=clock)
    assert list(uploads.iterdir()) == []
    with pytest.raises(ValidationFailed):
        followup.add_message(db, case.submission, "x" * 10_001, keys=KEYS, clock=clock)


def test_question_is_answered_once(db: Session, case: Case, clock: FixedClock,
                                   make_user) -> None:  # type: ignore[no-untyped-def]
    actor = staff_actor(db, make_user)
    question = followup.ask_question(db, actor, case.submission, "请问具体是哪一天？", clock)
    db.commit()
    assert [q.id for q in followup.open_questions(db, case.submission.id)] == [question.id]
    assert case.submission.awaiting_citizen
    answer = followup.answer_question(db, case.submission, question.id, "5月3日上午",
                                      keys=KEYS, clock=clock)
    db.commit()
    assert answer.reply_to_id == question.id
    assert followup.open_questions(db, case.submission.id) == []
    assert not case.submission.awaiting_citizen
    with pytest.raises(FollowupRefused) as again:
        followup.answer_question(db, case.submission, question.id, "again", keys=KEYS, clock=clock)
    assert again.value.message == followup.QUESTION_ANSWERED
    other = make_case(db, KEYS, clock)
    with pytest.raises(NotFound):  # a question of another case
        followup.answer_question(db, other.submission, question.id, "x", keys=KEYS, clock=clock)


# --- rating and review --------------------------------------------------------------------

def test_rating_only_once_and_only_when_concluded(db: Session, case: Case,
                                                  clock: FixedClock) -> None:
    with pytest.raises(FollowupRefused) as early:
        followup.rate(db, case.submission, Rating.satisfied, keys=KEYS, clock=clock)
    assert early.value.message == followup.NOT_CONCLUDED
    clock.advance(days=20, minutes=30)
    conclude(db, case.submission, clock)
    with pytest.raises(ValidationFailed) as missing:
        followup.rate(db, case.submission, "excellent", keys=KEYS, clock=clock)
    assert missing.value.errors == {"rating": followup.RATING_REQUIRED}
    clock.advance(minutes=10)  # same hour as the conclusion: still this round
    row = followup.rate(db, case.submission, "mostly", "回复及时", keys=KEYS, clock=clock)
    db.commit()
    assert (row.rating, row.created_at.minute) == (Rating.mostly, 0)
    assert case_texts(KEYS, case.submission).rating_comment(row) == "回复及时"
    assert not followup.can_rate(db, case.submission)
    assert not case.submission.needs_decision  # only 不满意 asks for a decision
    with pytest.raises(FollowupRefused) as twice:
        followup.rate(db, case.submission, Rating.dissatisfied, keys=KEYS, clock=clock)
    assert twice.value.message == followup.ALREADY_RATED


def test_review_request_accepted_within_30_days_refused_after(
        db: Session, clock: FixedClock) -> None:
    inside, outside = make_case(db, KEYS, clock), make_case(db, KEYS, clock)
    with pytest.raises(FollowupRefused):
        followup.request_review(db, inside.submission, "not yet", keys=KEYS, clock=clock)
    conclude(db, inside.submission, clock)
    conclude(db, outside.submission, clock)
    # Concluded 2026-06-01 10:00 Shanghai: the window ends on 2026-07-01.
    assert followup.review_window(inside.submission).isoformat() == "2026-07-01"
    clock.advance(days=30)  # 2026-07-01 10:00 Shanghai: last day
    request = followup.request_review(db, inside.submission, "处理结果与事实不符", keys=KEYS,
                                      clock=clock)
    db.commit()
    assert request.created_at.minute == 0
    assert inside.submission.needs_decision  # the queue decides on reopening
    with pytest.raises(FollowupRefused) as twice:
        followup.request_review(db, inside.submission, "again", keys=KEYS, clock=clock)
    assert twice.value.message == followup.REVIEW_ALREADY
    clock.advance(days=1)
    assert not followup.can_request_review(db, outside.submission, clock())
    with pytest.raises(FollowupRefused) as late:
        followup.request_review(db, outside.submission, "too late", keys=KEYS, clock=clock)
    assert late.value.message == followup.REVIEW_CLOSED
    assert db.exec(select(func.count()).select_from(ReviewRequest)).one() == 1


# --- what the citizen sees, and the staff side --------------------------------------------

def test_timeline_shows_public_messages_with_unit_never_notes_or_names(
        db: Session, case: Case, clock: FixedClock, make_user) -> None:  # type: ignore[no-untyped-def]
    unit = Unit(code="psb-2", name={"zh_CN": "市公安局督察支队", "en": "Police inspectorate"})
    db.add(unit)
    db.commit()
    handler = staff_actor(db, make_user, unit=unit)
    moderator = staff_actor(db, make_user, Role.moderator, username="moderator1")
    followup.reply(db, moderator, case.submission, "已收到，正在核查。", clock)
    followup.reply(db, handler, case.submission, "INTERNAL-NOTE-secret", clock, public=False)
    clock.advance(minutes=42)
    followup.ask_question(db, handler, case.submission, "请提供时间。", clock)
    db.commit()
    timeline = followup.citizen_timeline(db, KEYS, case.submission)
    assert [e.body for e in timeline] == ["已收到，正在核查。", "请提供时间。"]
    assert timeline[0].unit is None  # a moderator without a unit: shown as "staff"
    assert timeline[1].unit == unit.name
    assert all(e.at.minute == 0 for e in timeline)
    shown = repr(timeline)
    assert "INTERNAL-NOTE" not in shown
    assert "Zhang-Secret" not in shown
    actions = db.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))).all()
    assert actions == ["submission.reply", "submission.note", "submission.question"]
    note = db.exec(select(CaseMessage).where(col(CaseMessage.public).is_(False))).one()
    assert note.body == "INTERNAL-NOTE-secret"


def test_only_moderators_and_handlers_write_to_a_case(db: Session, case: Case,
                                                      clock: FixedClock) -> None:
    for actor in (Actor(id=None, label="citizen"), Actor(id=5, label="p", role=Role.press),
                  Actor(id=6, label="l", role=Role.leader)):
        with pytest.raises(NotPermitted):
            followup.ask_question(db, actor, case.submission, "?", clock)


def test_dissatisfied_rating_asks_the_queue_for_a_decision(db: Session, case: Case,
                                                          clock: FixedClock) -> None:
    conclude(db, case.submission, clock)
    followup.rate(db, case.submission, Rating.dissatisfied, "没有解决问题", keys=KEYS, clock=clock)
    db.commit()
    assert case.submission.needs_decision


def test_duplicate_shows_the_main_case_status(db: Session, clock: FixedClock) -> None:
    main, duplicate = make_case(db, KEYS, clock), make_case(db, KEYS, clock)
    assert main_case(db, duplicate.submission) is None
    main.submission.state = SubmissionState.verifying
    duplicate.submission.state = SubmissionState.rejected
    duplicate.submission.duplicate_of_id = main.submission.id
    db.commit()
    assert main_case(db, duplicate.submission).id == main.submission.id
