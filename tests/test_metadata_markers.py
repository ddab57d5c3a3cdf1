"""Metadata really gone: a marker in every place of every accepted type, absent from the
copy staff download; what the citizen sent (text, pictures, media) still there."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

import mutagen
import pypdf
import pytest
from PIL import Image
from sqlmodel import Session, select

from moderation.clock import FixedClock
from moderation.intake.errors import FileRejected
from moderation.intake.files import UploadBatch, UploadLimits, new_envelope
from moderation.intake.filetypes import TYPES
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import MetadataStatus, SubmissionFile
from moderation.intake.receipts import issue_form_nonce
from moderation.intake.sanitize import SanitizeCaps, sanitize
from moderation.intake.service import submit_tip
from moderation.intake.storage import display_name_of
from moderation.intake.validation import TipInput
from moderation.roles import Role
from portal.settings import Settings
from tests.conftest import login
from tests.metadata_fixtures import (
    MARKED,
    STAMP,
    docx_marked,
    jpeg_marked,
    markers_in,
    mp4_marked,
    mp4_times,
    odf_marked,
    ogg_marked,
    pdf_marked,
    webm_marked,
)
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

URL = "/staff/submissions/{reference}/files/{file_id}"
VIDEO = {"video.mp4", "video.mov", "video.webm"}


def test_no_marker_survives_in_any_file_staff_download(
        client: Any, db: Session, settings: Settings, clock: FixedClock, make_user: Any) -> None:
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    originals = {name: build() for name, build in MARKED.items()}
    for name, data in originals.items():
        assert markers_in(data), f"{name}: the fixture must carry markers"
    batch = UploadBatch(settings.upload_dir, new_envelope(db), UploadLimits(count=len(MARKED)))
    for name, data in originals.items():
        sink = batch.open(name)
        sink.write(data)
        sink.finish()
    result = submit_tip(db, keys, issue_form_nonce(keys, "tip", clock), TipInput(
        content="派出所民警索要好处费，拖延办理户口。附上证据。"), uploads=batch, clock=clock)
    db.commit()
    make_user(Role.moderator)
    login(client, "moderator1")

    left, statuses = {}, {}
    for row in db.exec(select(SubmissionFile).where(
            SubmissionFile.submission_id == result.submission.id)):
        name = display_name_of(keys, result.submission, row)
        response = client.get(URL.format(reference=result.submission.reference, file_id=row.id))
        assert response.status_code == 200
        left[name] = markers_in(response.content)
        statuses[name] = row.metadata_status
    assert set(left) == set(MARKED)
    assert {name: found for name, found in left.items() if found} == {}
    assert {n for n, s in statuses.items() if s is MetadataStatus.partial} == VIDEO
    assert {s for n, s in statuses.items() if n not in VIDEO} == {MetadataStatus.stripped}


def _clean(code: str, data: bytes) -> bytes:
    out = io.BytesIO()
    sanitize(TYPES[code], io.BytesIO(data), len(data), out)
    return out.getvalue()


def test_pictures_keep_their_pixels_and_lose_their_colour_profile() -> None:
    cleaned = Image.open(io.BytesIO(_clean("jpeg", jpeg_marked())))
    assert cleaned.size == (40, 30)
    assert "icc_profile" not in cleaned.info
    assert "comment" not in cleaned.info
    red, green, blue = cleaned.convert("RGB").getpixel((5, 5))
    assert red > 150
    assert green < 80
    assert blue < 80


def test_pdf_keeps_its_page_text_comment_and_field_but_no_script_or_attachment() -> None:
    reader = pypdf.PdfReader(io.BytesIO(_clean("pdf", pdf_marked())))
    assert len(reader.pages) == 1
    assert b"KEEP-PDF-TEXT" in reader.pages[0].get_contents().get_data()
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root
    assert "/AA" not in root
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    annotations = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert {str(a["/Subtype"]) for a in annotations} >= {"/Text", "/Widget"}
    comment = next(a for a in annotations if a["/Subtype"] == "/Text")
    assert comment["/Contents"] == "KEEP-PDF-COMMENT"
    assert "/T" not in comment
    assert all("/A" not in a and "/AA" not in a and "/FS" not in a for a in annotations)
    image = reader.pages[0]["/Resources"]["/XObject"]["/Im1"].get_object()
    assert image.get_data().startswith(b"\xff\xd8")
    assert "/Metadata" not in image


def test_office_text_stays_and_pictures_are_still_pictures() -> None:
    with zipfile.ZipFile(io.BytesIO(_clean("docx", docx_marked()))) as archive:
        assert b"KEEP-DOCX-TEXT" in archive.read("word/document.xml")
        assert b'w:date="1980-01-01T00:00:00Z"' in archive.read("word/document.xml")
        assert Image.open(io.BytesIO(archive.read("word/media/image1.jpeg"))).format == "JPEG"
        assert Image.open(io.BytesIO(archive.read("word/media/image4.tiff"))).size == (8, 8)
        assert archive.read("docProps/thumbnail.jpeg") == b""
        assert archive.read("word/embeddings/oleObject1.bin") == b""
        with zipfile.ZipFile(io.BytesIO(archive.read("word/embeddings/Sheet1.xlsx"))) as nested:
            assert nested.read("xl/workbook.xml") == b"<workbook>KEEP-NESTED</workbook>"
    with zipfile.ZipFile(io.BytesIO(_clean("odt", odf_marked("odt")))) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert b"KEEP-ODF-TEXT" in archive.read("content.xml")
        assert b"KEEP-ODF-OBJECT" in archive.read("Object 1/content.xml")


def test_media_keeps_its_frames_and_loses_every_time() -> None:
    original = mp4_marked()
    assert STAMP in mp4_times(original)
    cleaned = _clean("mp4", original)
    assert mp4_times(cleaned) == [0] * 6
    assert len(cleaned) == len(original)
    assert cleaned.endswith(b"KEEP-MP4-MEDIA" * 20)
    webm = webm_marked()
    cleaned_webm = _clean("webm", webm)
    assert len(cleaned_webm) == len(webm)
    assert b"KEEP-WEBM-FRAME" in cleaned_webm
    assert struct.pack(">q", STAMP * 10**9) not in cleaned_webm  # DateUTC
    ogg = mutagen.File(io.BytesIO(_clean("ogg", ogg_marked())))
    assert ogg is not None
    assert dict(ogg.tags or {}) == {}


@pytest.mark.parametrize(("code", "caps"), [
    ("webm", SanitizeCaps(media_streams=0)), ("webm", SanitizeCaps(media_seconds=0)),
    ("mp4", SanitizeCaps(media_streams=0)), ("ogg", SanitizeCaps(media_streams=0))])
def test_media_over_its_stream_or_duration_budget_is_refused(code: str,
                                                             caps: SanitizeCaps) -> None:
    data = {"webm": webm_marked, "mp4": mp4_marked, "ogg": ogg_marked}[code]()
    with pytest.raises(FileRejected) as refused:
        sanitize(TYPES[code], io.BytesIO(data), len(data), io.BytesIO(), caps)
    assert refused.value.code == "over_budget"
