"""Intake service: submissions stored once, receipts that find them, nothing identifying."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text
from sqlmodel import Session, SQLModel, func, select

from moderation.audit import AuditEvent
from moderation.clock import FixedClock
from moderation.errors import NotPermitted, ValidationFailed
from moderation.intake import messages
from moderation.intake.crypto import DecryptionFailed
from moderation.intake.errors import FormReused, FormTokenInvalid
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Category,
    Channel,
    MetadataStatus,
    Submission,
    SubmissionFile,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import (
    find_by_receipt,
    register_by_phone,
    submit_suggestion,
    submit_tip,
)
from moderation.intake.storage import (
    Contact,
    clean_leftovers,
    contact_of,
    display_name_of,
    erase,
    open_stored,
)
from moderation.intake.validation import SuggestionInput, TipInput
from moderation.roles import Actor, Role
from moderation.units import Unit
from tests.test_intake_sanitize import GPS_IFD, jpeg_with_gps, pdf_with_author

KEYS = IntakeKeys.from_secrets("service-test-secret-" + "s" * 40)
CONTENT = "派出所民警在办理户口时索要好处费，拖延不办。This happened twice."


@pytest.fixture
def unit(db: Session) -> Unit:
    row = Unit(code="psb-1", name={"zh_CN": "某派出所", "en": "A police station"})
    db.add(row)
    db.commit()
    return row


def tip(unit: Unit | None = None, **changes: object) -> TipInput:
    fields: dict[str, object] = {"content": CONTENT, "unit_concerned_id": unit.id if unit else None,
                                 "people_concerned": "王某，警号 012345",
                                 "happened_when": "2026年5月", "happened_where": "户籍窗口"}
    fields.update(changes)
    return TipInput(**fields)  # type: ignore[arg-type]


def files_batch(db: Session, tmp_path: Path, *items: tuple[str, bytes]) -> UploadBatch:
    batch = UploadBatch(tmp_path / "uploads", new_envelope(db), UploadLimits())
    for name, data in items:
        sink = batch.open(name)
        sink.write(data)
        sink.finish()
    return batch


def test_tip_is_stored_at_hour_precision_with_due_date_and_no_audit_row(
        db: Session, unit: Unit) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 37, 12, 999, tzinfo=UTC))
    form = issue_form_nonce(KEYS, "tip", clock)
    result = submit_tip(db, KEYS, form, tip(unit), clock=clock)
    db.commit()
    row = db.get(Submission, result.submission.id)
    assert row is not None
    assert result.created
    assert row.received_at == datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    assert row.decision_due_on == date(2026, 6, 16)  # 15 days, Beijing date of receipt
    assert (row.kind, row.channel, row.state, row.version) == (
        SubmissionKind.tip, Channel.web, SubmissionState.new, 1)
    assert row.anonymous
    assert row.contact_sealed is None
    assert row.reference.startswith("MS-")
    assert len(row.reference) == 12
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == 0
    assert find_by_receipt(db, KEYS, result.receipt).id == row.id  # type: ignore[union-attr]
    assert find_by_receipt(db, KEYS, result.receipt.replace("-", " ")).id == row.id  # type: ignore[union-attr]
    assert find_by_receipt(db, KEYS, "1234-5678-9012-3456-7890-1234-5678-9012") is None


def _dump(db: Session) -> str:
    """Every value of every intake table, as text (a stand-in for a database dump)."""
    parts = []
    for table in SQLModel.metadata.sorted_tables:
        for values in db.execute(text(f'SELECT * FROM "{table.name}"')):
            parts.extend(v.hex() if isinstance(v, bytes) else str(v) for v in values)
    return "\n".join(parts)


def test_receipt_and_contacts_are_not_stored_in_plaintext(db: Session, unit: Unit,
                                                          tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    contact = Contact("张三实名", "13912345678", "zhangsan@example.cn")
    batch = files_batch(db, tmp_path, ("IMG_20260501.jpg", jpeg_with_gps()))
    result = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock),
                        tip(unit, anonymous=False, contact=contact), uploads=batch, clock=clock)
    db.commit()
    dump = _dump(db)
    digits = result.receipt.replace("-", "")
    for secret in (digits, result.receipt, digits[:16], "13912345678", "张三实名",
                   "zhangsan@example.cn", "IMG_20260501"):
        assert secret not in dump
        assert secret.encode().hex() not in dump
    assert contact_of(KEYS, result.submission) == contact
    stored = db.exec(select(SubmissionFile)).one()
    assert display_name_of(KEYS, result.submission, stored) == "IMG_20260501.jpg"
    assert stored.metadata_status is MetadataStatus.stripped
    assert stored.created_at == datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
    with open_stored(tmp_path / "uploads", KEYS, result.submission, stored) as reader:
        image = Image.open(io.BytesIO(b"".join(reader.chunks())))
        assert not image.getexif().get_ifd(GPS_IFD)


def test_same_form_twice_gives_one_submission_and_the_same_receipt(
        db: Session, unit: Unit, tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    form = issue_form_nonce(KEYS, "tip", clock)
    first = submit_tip(db, KEYS, form, tip(unit), clock=clock,
                       uploads=files_batch(db, tmp_path, ("a.pdf", pdf_with_author())))
    db.commit()
    clock.advance(minutes=3)
    again = submit_tip(db, KEYS, form, tip(unit), clock=clock,
                       uploads=files_batch(db, tmp_path, ("a.pdf", pdf_with_author())))
    db.commit()
    assert not again.created
    assert again.submission.id == first.submission.id
    assert again.receipt == first.receipt
    assert again.proof == first.proof
    assert db.exec(select(func.count()).select_from(Submission)).one() == 1
    assert db.exec(select(func.count()).select_from(SubmissionFile)).one() == 1
    assert len(list((tmp_path / "uploads").iterdir())) == 1  # the retry's copy is gone
    with pytest.raises(FormReused):
        submit_tip(db, KEYS, form, tip(unit, content=CONTENT + " changed"), clock=clock)
    other = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock), tip(unit), clock=clock)
    assert other.created
    assert other.receipt != first.receipt


def test_bad_input_is_refused_with_message_ids_and_nothing_stored(
        db: Session, unit: Unit, tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    form = issue_form_nonce(KEYS, "tip", clock)
    batch = files_batch(db, tmp_path, ("a.txt", b"some evidence text"))
    with pytest.raises(ValidationFailed) as failed:
        submit_tip(db, KEYS, form, tip(unit, content="太短", unit_concerned_id=99999,
                                       happened_where="x" * 201, anonymous=False,
                                       contact=Contact("", "abc", "not-an-email")),
                   uploads=batch, clock=clock)
    assert failed.value.errors == {
        "content": messages.CONTENT_TOO_SHORT, "unit_concerned_id": messages.UNKNOWN_UNIT,
        "happened_where": messages.TOO_LONG, "contact_name": messages.REQUIRED,
        "contact_phone": messages.BAD_PHONE, "contact_email": messages.BAD_EMAIL}
    assert list((tmp_path / "uploads").iterdir()) == []
    with pytest.raises(ValidationFailed) as nul:
        submit_tip(db, KEYS, form, tip(unit, content=CONTENT + "\x00"), clock=clock)
    assert nul.value.errors == {"content": messages.BAD_TEXT}
    with pytest.raises(ValidationFailed) as huge:
        submit_tip(db, KEYS, form, tip(unit, content="长" * 20_001), clock=clock)
    assert huge.value.errors == {"content": messages.TOO_LONG}
    with pytest.raises(FormTokenInvalid):
        submit_tip(db, KEYS, issue_form_nonce(KEYS, "suggestion", clock), tip(unit),
                   clock=clock)
    assert db.exec(select(func.count()).select_from(Submission)).one() == 0


def test_anonymous_tip_drops_contact_details_it_was_given(db: Session, unit: Unit) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    result = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock),
                        tip(unit, anonymous=True, contact=Contact("张三", "13800000000")),
                        clock=clock)
    assert result.submission.contact_sealed is None
    assert contact_of(KEYS, result.submission) is None


def test_suggestion_needs_an_active_suggestion_category(db: Session) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    topic = Category(code="service", name={"zh_CN": "服务", "en": "Service"},
                     kind=SubmissionKind.suggestion)
    tips_only = Category(code="bribery", name={"zh_CN": "索贿"}, kind=SubmissionKind.tip)
    db.add_all([topic, tips_only])
    db.commit()
    form = issue_form_nonce(KEYS, "suggestion", clock)
    wording = "建议延长窗口办公时间。"
    for category_id, expected in ((None, messages.REQUIRED),
                                  (tips_only.id, messages.UNKNOWN_CATEGORY)):
        with pytest.raises(ValidationFailed) as failed:
            submit_suggestion(db, KEYS, form, SuggestionInput(wording, category_id), clock=clock)
        assert failed.value.errors == {"category_id": expected}
    result = submit_suggestion(db, KEYS, form, SuggestionInput(wording, topic.id), clock=clock)
    assert result.submission.kind is SubmissionKind.suggestion
    assert result.submission.category_id == topic.id


def test_phone_tip_registered_by_a_moderator_is_audited_and_trackable(
        db: Session, unit: Unit, make_user) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 6, 1, 9, 15, tzinfo=UTC))
    moderator = make_user(Role.moderator)
    actor = Actor(moderator.id, moderator.username, Role.moderator)
    form = issue_form_nonce(KEYS, "register", clock)
    with pytest.raises(NotPermitted):
        register_by_phone(db, KEYS, Actor(9, "admin", Role.admin), form, Channel.phone,
                          tip(unit), clock=clock)
    with pytest.raises(ValidationFailed):
        register_by_phone(db, KEYS, actor, form, Channel.web, tip(unit), clock=clock)
    result = register_by_phone(db, KEYS, actor, form, Channel.phone, tip(unit), clock=clock)
    db.commit()
    read_out = " ".join(result.receipt.replace("-", ""))  # as typed from a caller's voice
    found = find_by_receipt(db, KEYS, read_out)
    assert found is not None
    assert found.channel is Channel.phone
    assert found.registered_by_id == moderator.id
    event = db.exec(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.target_id) == (
        "submission.register", moderator.id, str(found.id))
    assert event.after == {"reference": found.reference, "kind": "tip", "channel": "phone"}


def test_erase_makes_contacts_and_files_unreadable(db: Session, unit: Unit,
                                                   tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    batch = files_batch(db, tmp_path, ("note.txt", b"evidence evidence evidence"))
    result = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock),
                        tip(unit, anonymous=False, contact=Contact("李四", "13800000000")),
                        uploads=batch, clock=clock)
    db.commit()
    erase(db, result.submission, tmp_path / "uploads", Actor.system("retention"), clock=clock)
    db.commit()
    row = db.get(Submission, result.submission.id)
    assert row is not None
    assert row.wrapped_key is None
    assert row.contact_sealed is None
    assert contact_of(KEYS, row) is None
    stored = db.exec(select(SubmissionFile)).one()
    with pytest.raises(DecryptionFailed):
        display_name_of(KEYS, row, stored)
    assert list((tmp_path / "uploads").iterdir()) == []


def test_clean_leftovers_removes_temp_and_orphan_files_only(db: Session, unit: Unit,
                                                            tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    uploads = tmp_path / "uploads"
    kept = submit_tip(db, KEYS, issue_form_nonce(KEYS, "tip", clock), tip(unit), clock=clock,
                      uploads=files_batch(db, tmp_path, ("kept.txt", b"committed evidence")))
    db.commit()
    # A crash mid-upload (raw temp), after cleaning (part), and after promotion but
    # before the commit (an .enc file with no row).
    crashed = files_batch(db, tmp_path, ("lost.txt", b"never committed"))
    crashed.open("half.txt").write(b"half a file")
    crashed.promote()
    assert len(list(uploads.iterdir())) == 3
    report = clean_leftovers(uploads, db)
    assert (report.temporary, report.orphans) == (1, 1)
    stored = db.exec(select(SubmissionFile)).one()
    assert [p.name for p in uploads.iterdir()] == [stored.stored_name]
    assert stored.submission_id == kept.submission.id
    for sink in crashed.sinks:
        sink.abort()  # close the handle the "crash" left open


def test_a_concurrent_twin_that_committed_first_is_answered_not_duplicated(
        db: Session, engine, unit: Unit, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from moderation.intake import service

    clock = FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    form = issue_form_nonce(KEYS, "tip", clock)
    with Session(engine) as twin:
        first = submit_tip(twin, KEYS, form, tip(unit), clock=clock)
        twin.commit()
        first_id = first.submission.id
    # The second request does not look first: its insert finds the form stored (and does
    # nothing, so the database logs no error), then the stored row answers it.
    real_replay = service._replay
    calls: list[int] = []

    def counted_replay(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real_replay(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "_replay", counted_replay)
    db.add(Category(code="kept", name={"en": "Kept"}))  # earlier work in the same transaction
    db.flush()
    again = submit_tip(db, KEYS, form, tip(unit), clock=clock)
    db.commit()
    assert len(calls) == 1
    assert not again.created
    assert again.submission.id == first_id
    assert again.receipt == first.receipt
    assert db.exec(select(func.count()).select_from(Submission)).one() == 1
    assert db.exec(select(Category.code)).all() == ["kept"]  # nothing was rolled back
