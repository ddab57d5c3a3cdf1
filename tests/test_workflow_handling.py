"""Handlers: their own unit's leads only (others are NotFound), notes never public,
questions await the citizen, one extension, conclusion; reopen or uphold; deadlines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from moderation.intake import followup
from moderation.intake.models import (
    MessageKind,
    Outcome,
    Rating,
    ReviewRequest,
    ReviewStatus,
    Submission,
    SubmissionState,
)
from moderation.workflow import claims, handling, review
from moderation.workflow import messages as m
from moderation.workflow.deadlines import due_on, is_overdue
from moderation.workflow.transitions import allowed_actions
from tests.workflow_support import KEYS, drive, make_world


def test_handler_of_another_unit_gets_not_found(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.accepted)
    assert sub.id is not None
    outsider = world.other_handler  # works in the unit the lead is about
    attempts = [
        lambda: handling.start_verification(db, outsider, sub.id, sub.version, clock=clock),
        lambda: handling.add_note(db, outsider, sub.id, sub.version, "x", clock=clock),
        lambda: handling.ask_citizen(db, outsider, sub.id, sub.version, "x", clock=clock),
        lambda: handling.request_extension(db, outsider, sub.id, sub.version, "x",
                                           clock=clock),
        lambda: handling.conclude(db, outsider, sub.id, sub.version, outcome="noted",
                                  finding="x", public_reply="x", clock=clock),
        # A wrong version must not reveal the lead either.
        lambda: handling.add_note(db, outsider, sub.id, sub.version + 5, "x", clock=clock),
        lambda: handling.add_note(db, outsider, 987654, 1, "x", clock=clock),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert allowed_actions(sub, outsider, clock()) == []
    assert allowed_actions(sub, world.handler, clock())  # the responsible unit's handler


def test_notes_stay_internal_and_questions_await_the_citizen(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                             clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.verifying)
    assert sub.id is not None
    sub = handling.add_note(db, world.handler, sub.id, sub.version, "内部：证人名单在卷宗里",
                            clock=clock)
    sub = handling.ask_citizen(db, world.handler, sub.id, sub.version, "具体是哪一天？",
                               clock=clock)
    db.commit()
    assert sub.awaiting_citizen is True
    ask_row = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.ask")).one()
    assert ask_row.before == {"awaiting_citizen": False}
    assert ask_row.after["awaiting_citizen"] is True  # type: ignore[index]
    # One audit row per action: follow-up wrote no second row for the message.
    actions = db.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))).all()
    assert actions[-2:] == ["submission.note", "submission.ask"]
    assert "submission.question" not in actions
    timeline = followup.citizen_timeline(db, KEYS, sub)
    assert [(e.kind, e.body) for e in timeline] == [(MessageKind.question, "具体是哪一天？")]
    followup.answer_question(db, sub, timeline[0].id, "五月二十日上午。", keys=KEYS, clock=clock)
    db.commit()
    assert sub.awaiting_citizen is False


def test_one_extension_only(db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.verifying)
    assert sub.id is not None
    assert sub.handling_due_on is not None
    due = sub.handling_due_on
    with pytest.raises(ValidationFailed):
        handling.request_extension(db, world.handler, sub.id, sub.version, "", clock=clock)
    sub = handling.request_extension(db, world.handler, sub.id, sub.version,
                                     "需要异地调取证据", clock=clock)
    db.commit()
    assert sub.handling_due_on == due + timedelta(days=30)
    assert sub.extended is True
    assert sub.extension_reason == "需要异地调取证据"
    with pytest.raises(InvalidTransition):
        handling.request_extension(db, world.handler, sub.id, sub.version, "again",
                                   clock=clock)
    assert "extend" not in allowed_actions(sub, world.handler, clock())


def test_conclude_checks_the_outcome_fits_the_kind(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                   clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.verifying)
    assert sub.id is not None
    with pytest.raises(ValidationFailed) as bad:
        handling.conclude(db, world.handler, sub.id, sub.version, outcome="adopted",
                          finding="", public_reply="", clock=clock)
    assert bad.value.errors["outcome"] == m.UNKNOWN_OUTCOME
    assert set(bad.value.errors) == {"outcome", "finding", "public_reply"}
    sub = handling.conclude(db, world.handler, sub.id, sub.version,
                            outcome="partly_substantiated", finding="内部结论：部分属实",
                            public_reply="经核查，反映问题部分属实。", clock=clock)
    assert sub.outcome == Outcome.partly_substantiated
    assert sub.concluded_at == clock()
    assert sub.review_due_on == date(2026, 7, 1)
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.conclude")).one()
    assert "内部结论" not in str(row.after)  # the audit keeps a digest of the finding
    assert row.after["finding"]["chars"] == len("内部结论：部分属实")  # type: ignore[index]


def test_dissatisfied_rating_then_reopen(db: Session, make_user,  # type: ignore[no-untyped-def]
                                         clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.concluded)  # rated 不满意
    assert sub.id is not None
    assert sub.needs_decision is True
    with pytest.raises(ValidationFailed):
        review.reopen(db, world.moderator, sub.id, sub.version, "", clock=clock)
    sub = review.reopen(db, world.moderator, sub.id, sub.version, "群众不满意，重新核查",
                        clock=clock)
    db.commit()
    assert sub.state == SubmissionState.verifying
    assert sub.needs_decision is False
    assert sub.concluded_at is None
    assert sub.outcome is None
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "submission.reopen")).one()
    assert row.after["reason"] == "群众不满意，重新核查"  # type: ignore[index]
    # The handler concludes again; the citizen may rate the new conclusion.
    clock.advance(hours=2)
    sub = handling.conclude(db, world.handler, sub.id, sub.version, outcome="substantiated",
                            finding="再查属实", public_reply="经重新核查，问题属实。", clock=clock)
    followup.rate(db, sub, Rating.satisfied, keys=KEYS, clock=clock)
    db.commit()
    assert sub.needs_decision is False


def test_review_request_then_uphold(db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.concluded)
    assert sub.id is not None
    sub = review.uphold(db, world.moderator, sub.id, sub.version, "维持原结论。", clock=clock)
    db.commit()
    assert sub.needs_decision is False
    with pytest.raises(InvalidTransition):  # nothing to decide any more
        review.uphold(db, world.moderator, sub.id, sub.version, "again", clock=clock)
    clock.advance(days=3)
    followup.request_review(db, sub, "结论与事实不符", keys=KEYS, clock=clock)
    db.commit()
    assert sub.needs_decision is True
    sub = review.uphold(db, world.moderator, sub.id, sub.version, "经复核，维持原结论。",
                        clock=clock)
    db.commit()
    request = db.exec(select(ReviewRequest).where(ReviewRequest.submission_id == sub.id)).one()
    assert request.status == ReviewStatus.refused
    assert request.decided_by_id == world.moderator.id
    assert sub.state == SubmissionState.concluded


def test_deadlines_follow_the_state(db: Session, make_user, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    new = drive(db, clock, world, SubmissionState.new)
    accepted = drive(db, clock, world, SubmissionState.accepted)
    rejected = drive(db, clock, world, SubmissionState.rejected)
    assert due_on(new) == new.decision_due_on == date(2026, 6, 16)
    assert due_on(accepted) == accepted.handling_due_on == date(2026, 7, 31)
    assert due_on(rejected) is None
    assert not is_overdue(new, clock())
    clock.advance(days=16)  # 2026-06-17 in Shanghai: decision overdue
    assert is_overdue(new, clock())
    assert not is_overdue(accepted, clock())
    assert not is_overdue(rejected, clock())
    clock.advance(days=45)
    assert is_overdue(accepted, clock())
    assert accepted.id is not None
    extended = handling.request_extension(db, world.handler, accepted.id, accepted.version,
                                          "证据调取", clock=clock)
    assert not is_overdue(extended, clock())


def test_handler_cannot_reopen_or_claim(db: Session, make_user,  # type: ignore[no-untyped-def]
                                                          clock: FixedClock) -> None:
    world = make_world(db, make_user)
    sub = drive(db, clock, world, SubmissionState.concluded)
    assert sub.id is not None
    with pytest.raises(NotPermitted):
        review.reopen(db, world.handler, sub.id, sub.version, "x", clock=clock)
    with pytest.raises(NotPermitted):
        claims.claim(db, world.handler, sub.id, sub.version, clock=clock)
    assert db.get(Submission, sub.id).state == SubmissionState.concluded  # type: ignore[union-attr]
