"""Staff download of evidence (issue 3, acceptance 2): encrypted on disk, served clean."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PIL import Image
from sqlmodel import Session, select

from moderation.audit import AuditEvent, verify
from moderation.clock import FixedClock
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import SubmissionFile
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.service import IntakeResult, submit_tip
from moderation.intake.storage import Contact
from moderation.intake.validation import TipInput
from moderation.roles import Role
from portal.settings import Settings
from tests.conftest import login
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_sanitize import GPS_IFD, jpeg_with_gps, pdf_with_author

CONTACT = Contact(name="李四Contact", phone="13800138000", email="citizen-marker@example.com")
TEXT = "证据文本 PlainTextMarker-5521\n".encode()
URL = "/staff/submissions/{reference}/files/{file_id}"


@pytest.fixture
def upload(db: Session, settings: Settings, clock: FixedClock) -> IntakeResult:
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits())
    for name, data in (("photo.jpg", jpeg_with_gps()), ("报告.pdf", pdf_with_author()),
                       ("notes.txt", TEXT)):
        sink = batch.open(name)
        sink.write(data)
        sink.finish()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content="派出所民警索要好处费，拖延办理户口。ContentMarker-8812", anonymous=False,
        contact=CONTACT), uploads=batch, clock=clock)
    db.commit()
    return result


def files_of(db: Session, result: IntakeResult) -> dict[str, SubmissionFile]:
    rows = db.exec(select(SubmissionFile).where(
        SubmissionFile.submission_id == result.submission.id))
    return {row.media_type.split(";")[0]: row for row in rows}


def url(result: IntakeResult, row: SubmissionFile) -> str:
    return URL.format(reference=result.submission.reference, file_id=row.id)


def test_bytes_on_disk_hold_no_plaintext_and_no_contact(upload: IntakeResult,
                                                        settings: Settings) -> None:
    stored = [p for p in Path(settings.upload_dir).rglob("*") if p.is_file()]
    assert len(stored) == 3
    markers = [b"%PDF", b"SecretPdfAuthor", b"SecretPhoneMaker", b"Exif", b"JFIF",
               b"PlainTextMarker", "证据文本".encode(), CONTACT.name.encode(),
               CONTACT.phone.encode(), CONTACT.email.encode(), b"ContentMarker"]
    for path in stored:
        data = path.read_bytes()
        assert [m for m in markers if m in data] == [], path.name


def test_moderator_downloads_clean_copies_as_sandboxed_attachments(
        client, db: Session, upload: IntakeResult, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.moderator)
    login(client, "moderator1")
    files = files_of(db, upload)
    photo = client.get(url(upload, files["image/jpeg"]))
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert photo.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert photo.headers["cache-control"] == "no-store"
    disposition = photo.headers["content-disposition"]
    assert disposition == (f'attachment; filename="{upload.submission.reference}-'
                           f'{files["image/jpeg"].id}.jpg"')
    image = Image.open(io.BytesIO(photo.content))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert b"SecretPhoneMaker" not in photo.content

    pdf = client.get(url(upload, files["application/pdf"]))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    assert "/Author" not in (reader.metadata or {})
    assert b"SecretPdfAuthor" not in pdf.content

    text = client.get(url(upload, files["text/plain"]))
    assert text.content == TEXT
    assert text.headers["content-type"].startswith("text/plain")

    events = db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.file_download").order_by(AuditEvent.seq)).all()
    assert [(e.actor_label, e.after["file_id"]) for e in events] == [
        ("moderator1", files[t].id) for t in ("image/jpeg", "application/pdf", "text/plain")]
    assert verify(db) == []


# Handlers may download the files of their own unit's leads (and get 404 for any other):
# see tests/test_queue_web_case.py::test_evidence_download_for_the_responsible_unit_only.
@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.moderator, Role.handler)])
def test_other_roles_may_not_download(client, db: Session, upload: IntakeResult, make_user,  # type: ignore[no-untyped-def]
                                      role: Role) -> None:
    make_user(role)
    login(client, f"{role.value}1")
    row = next(iter(files_of(db, upload).values()))
    assert client.get(url(upload, row)).status_code == 403
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "submission.file_download")).all() == []


def test_anonymous_is_sent_to_sign_in_and_unknown_files_are_404(
        client, db: Session, upload: IntakeResult, make_user, clock: FixedClock,  # type: ignore[no-untyped-def]
        settings: Settings) -> None:
    row = next(iter(files_of(db, upload).values()))
    anonymous = client.get(url(upload, row))
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/staff/login")
    make_user(Role.moderator)
    login(client, "moderator1")
    assert client.get(URL.format(reference="MS-0000-0000", file_id=row.id)).status_code == 404
    assert client.get(URL.format(reference=upload.submission.reference,
                                 file_id=row.id + 100)).status_code == 404
    # A file id of one case under another case's reference is not found either.
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    other = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content="另一件事情的举报内容，足够长的描述文字。"), clock=clock)
    db.commit()
    assert client.get(URL.format(reference=other.submission.reference,
                                 file_id=row.id)).status_code == 404
