"""Retention with a fixed clock: expired cases become unreadable, statistics stay the
same, every erasure is one audit row and the audit chain verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.crypto import DecryptionFailed
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.models import CaseMessage, Submission, SubmissionFile, SubmissionState
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import submit_tip
from moderation.intake.storage import Contact, contact_of, data_key_of
from moderation.intake.validation import TipInput
from moderation.queue.models import SubmissionSearch
from moderation.retention import RetentionPolicy, policy_of
from moderation.stats.submissions import submission_stats
from portal.ops.retention import apply_now
from tests.workflow_support import KEYS, drive, make_world


def _stats(db: Session) -> object:
    return submission_stats(db, public=False, tz="Asia/Shanghai", kinds=["tip", "suggestion"],
                            channels=["web", "phone", "letter", "visit", "email"])


def _named_with_file(db: Session, clock: FixedClock, upload_dir: Path) -> Submission:
    batch = UploadBatch(upload_dir, new_envelope(db), UploadLimits())
    sink = batch.open("notes.txt")
    sink.write("证据 RetentionMarker\n".encode())
    sink.finish()
    result = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock), TipInput(
        content="派出所民警索要好处费，拖延办理户口。RetentionMarker", anonymous=False,
        contact=Contact(name="王某", phone="13800000000")), uploads=batch, clock=clock)
    db.commit()
    return result.submission


def _conclude(db: Session, clock: FixedClock, world, sub: Submission) -> Submission:  # type: ignore[no-untyped-def]
    from moderation.workflow import claims, handling, triage

    mod, handler = world.moderator, world.handler
    sub = claims.claim(db, mod, sub.id, sub.version, clock=clock)
    sub = triage.accept(db, mod, sub.id, sub.version, mode="off_site",
                        responsible_unit_id=world.verifier.id, handler_id=handler.id,
                        clock=clock)
    sub = handling.start_verification(db, handler, sub.id, sub.version, clock=clock)
    sub = handling.conclude(db, handler, sub.id, sub.version, outcome="substantiated",
                            finding="Confirmed.", public_reply="Substantiated.", clock=clock)
    db.commit()
    return sub


def test_expired_cases_are_erased_statistics_and_audit_chain_kept(
        db: Session, engine, clock: FixedClock, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = make_world(db, make_user)
    uploads = tmp_path / "uploads"
    spam = drive(db, clock, world, SubmissionState.rejected)  # rejected as spam
    old_case = _conclude(db, clock, world, _named_with_file(db, clock, uploads))
    with_file = _named_with_file(db, clock, uploads)
    clock.advance(days=400)  # the spam is over a year old; the concluded case is not
    recent = drive(db, clock, world, SubmissionState.concluded)
    before = _stats(db)

    dry = apply_now(engine, uploads, clock, dry_run=True)
    assert dry == {"spam": 1, "rejected": 0, "concluded": 0, "contact": 1}
    db.expire_all()
    assert db.get(Submission, spam.id).text_sealed is not None  # a dry run changes nothing

    assert apply_now(engine, uploads, clock) == dry
    db.expire_all()
    erased = db.get(Submission, spam.id)
    assert erased.text_sealed is None
    assert erased.wrapped_key is None
    assert erased.erased_at
    with pytest.raises(DecryptionFailed):
        data_key_of(KEYS, erased)
    assert db.get(SubmissionSearch, spam.id) is None
    assert contact_of(KEYS, db.get(Submission, old_case.id)) is None  # contact grace over
    assert db.get(Submission, old_case.id).wrapped_key  # but the case is kept for now
    assert contact_of(KEYS, db.get(Submission, with_file.id)) == Contact("王某", "13800000000")

    clock.advance(days=5 * 366)  # past the concluded cases' five years too
    db.add(RetentionPolicy(concluded_days=1825))
    db.commit()
    counts = apply_now(engine, uploads, clock)
    assert counts == {"spam": 0, "rejected": 0, "concluded": 2, "contact": 0}
    assert not list(uploads.glob("*.enc"))[1:]  # only the undecided case's file is left
    db.expire_all()
    for case in (old_case, recent):
        gone = db.get(Submission, case.id)
        assert gone.text_sealed is None
        assert gone.finding == ""
        assert gone.wrapped_key is None
        assert gone.state == SubmissionState.concluded
        assert gone.outcome
        messages = db.exec(select(CaseMessage).where(CaseMessage.submission_id == case.id))
        assert all(m.body == "" and m.body_sealed is None for m in messages)
    assert db.get(Submission, with_file.id).wrapped_key  # never decided: kept
    assert _stats(db) == before  # the statistics count the same cases
    audit = db.exec(select(AuditEvent).where(AuditEvent.action.startswith("retention."))).all()
    assert sorted((a.action, a.target_id) for a in audit) == sorted([
        ("retention.erase", str(spam.id)), ("retention.erase_contact", str(old_case.id)),
        ("retention.erase", str(old_case.id)), ("retention.erase", str(recent.id))])
    assert verify(db) == []
    assert apply_now(engine, uploads, clock) == {"spam": 0, "rejected": 0, "concluded": 0,
                                                 "contact": 0}


def test_files_of_erased_cases_are_deleted_and_one_worker_runs_each_day(
        db: Session, engine, clock: FixedClock, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from moderation.retention import claim_daily_run
    from moderation.workflow import triage
    from tests.workflow_support import World

    world: World = make_world(db, make_user)
    uploads = tmp_path / "uploads"
    sub = _named_with_file(db, clock, uploads)
    from moderation.workflow import claims

    sub = claims.claim(db, world.moderator, sub.id, sub.version, clock=clock)
    triage.reject(db, world.moderator, sub.id, sub.version, reason="spam",
                  public_reply="Not a report.", clock=clock)
    db.commit()
    stored = db.exec(select(SubmissionFile)).one().stored_name
    assert (uploads / stored).exists()
    clock.advance(days=366)
    assert apply_now(engine, uploads, clock, daily=True)["spam"] == 1
    assert not (uploads / stored).exists()
    assert db.exec(select(SubmissionFile)).all() == []
    assert apply_now(engine, uploads, clock, daily=True) is None  # today's run is done
    assert claim_daily_run(db, clock().date()) is False
    assert policy_of(db).last_run_on == clock().date()
