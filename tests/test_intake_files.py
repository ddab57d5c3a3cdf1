"""Uploads: streamed, typed by content, capped, cleaned, encrypted, and tidied up."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from moderation.intake.crypto import DecryptingReader, file_key, new_data_key
from moderation.intake.errors import FileRejected
from moderation.intake.files import (
    Envelope,
    StoredUpload,
    UploadBatch,
    UploadLimits,
    clean_display_name,
    file_context,
)
from moderation.intake.filetypes import check_extension, detect
from tests.test_intake_sanitize import GPS_IFD, docx_with_creator, jpeg_with_gps, pdf_with_author

MARKER = "PLAINTEXT-MARKER-证据-7781"


@pytest.fixture
def batch(tmp_path: Path) -> UploadBatch:
    return UploadBatch(tmp_path / "uploads", Envelope("MS-TEST-0001", new_data_key()),
                       UploadLimits(file_bytes=6 * 1024 * 1024, total_bytes=8 * 1024 * 1024,
                                    count=3))


def send(batch: UploadBatch, name: str, data: bytes, piece: int = 64 * 1024) -> StoredUpload:
    sink = batch.open(name)
    for start in range(0, len(data), piece):
        sink.write(data[start:start + piece])
    return sink.finish()


def read_back(batch: UploadBatch, stored: StoredUpload) -> bytes:
    folder = batch.upload_dir
    path = folder / stored.stored_name
    if not path.exists():
        path = folder / f"tmp-{stored.stored_name.removesuffix('.enc')}.part"
    with open(path, "rb") as fh:
        reader = DecryptingReader(fh, file_key(batch.envelope.data_key, stored.stored_name),
                                  file_context(batch.envelope.reference, stored.stored_name))
        return reader.read()


def rejected(batch: UploadBatch, name: str, data: bytes) -> str:
    with pytest.raises(FileRejected) as info:
        send(batch, name, data)
    return info.value.code


def test_five_megabyte_text_streams_through_encrypted(batch: UploadBatch) -> None:
    data = (MARKER + "\n").encode() * (5 * 1024 * 1024 // 30)
    stored = send(batch, "证词.txt", data)
    assert stored.media_type.startswith("text/plain")
    assert stored.size == len(data)
    assert read_back(batch, stored) == data
    batch.promote()
    on_disk = b"".join(p.read_bytes() for p in batch.upload_dir.iterdir())
    assert MARKER.encode() not in on_disk
    assert [p.name for p in batch.upload_dir.iterdir()] == [stored.stored_name]


def test_stored_copies_carry_no_gps_or_author(batch: UploadBatch) -> None:
    photo = send(batch, "IMG_0001.JPG", jpeg_with_gps())
    paper = send(batch, "report.pdf", pdf_with_author())
    letter = send(batch, "letter.docx", docx_with_creator())
    assert (photo.extension, paper.extension, letter.extension) == ("jpg", "pdf", "docx")
    image = Image.open(io.BytesIO(read_back(batch, photo)))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert b"SecretPdfAuthor" not in read_back(batch, paper)
    with zipfile.ZipFile(io.BytesIO(read_back(batch, letter))) as z:
        assert b"SecretCreator" not in z.read("docProps/core.xml")
    assert photo.original_sha256 != photo.sha256  # the proof hashes what was sent
    batch.promote()
    on_disk = b"".join(p.read_bytes() for p in batch.upload_dir.iterdir())
    for secret in (b"SecretPdfAuthor", b"SecretPhoneMaker", b"%PDF", b"JFIF"):
        assert secret not in on_disk


def test_type_comes_from_content_not_name(batch: UploadBatch) -> None:
    assert rejected(batch, "photo.jpg", b"this is only text pretending to be a photo") == \
        "type_mismatch"
    assert rejected(batch, "notes.txt", jpeg_with_gps()) == "type_mismatch"
    assert rejected(batch, "tool.exe", b"MZ\x90\x00" + os.urandom(200)) == "unsupported_type"
    assert rejected(batch, "blob", os.urandom(300)) == "unsupported_type"
    assert list(batch.upload_dir.iterdir()) == []  # every rejection cleans up


def test_zip_office_and_odf_detection() -> None:
    def zipped(entries: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name, data in entries.items():
                z.writestr(name, data)
        return out.getvalue()

    def kind(data: bytes) -> str:
        return detect(data[:4096], io.BytesIO(data), is_text=False).code

    assert kind(zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"})) == "xlsx"
    assert kind(zipped({"[Content_Types].xml": b"<x/>", "ppt/slide1.xml": b"<x/>"})) == "pptx"
    assert kind(zipped({"mimetype": b"application/vnd.oasis.opendocument.text"})) == "odt"
    with pytest.raises(FileRejected) as plain_zip:
        kind(zipped({"readme.txt": b"hi"}))
    assert plain_zip.value.code == "unsupported_type"
    with pytest.raises(FileRejected):
        check_extension("evil.docx.exe", detect(b"hello", io.BytesIO(b"hello"), is_text=True))


def test_caps_per_file_total_and_count(batch: UploadBatch) -> None:
    assert rejected(batch, "big.txt", b"a" * (6 * 1024 * 1024 + 1)) == "too_large"
    assert list(batch.upload_dir.iterdir()) == []
    send(batch, "a.txt", b"a" * (5 * 1024 * 1024))
    assert rejected(batch, "b.txt", b"b" * (4 * 1024 * 1024)) == "total_too_large"
    send(batch, "b.txt", b"b" * (2 * 1024 * 1024))  # a refused file gives its share back
    send(batch, "c.txt", b"c" * 1024)
    with pytest.raises(FileRejected) as too_many:
        batch.open("d.txt")
    assert too_many.value.code == "too_many"
    assert len(batch.finished) == 3
    assert rejected(UploadBatch(batch.upload_dir, batch.envelope, UploadLimits()),
                    "empty.txt", b"") == "empty"


def test_text_with_nul_or_invalid_utf8_is_not_text(batch: UploadBatch) -> None:
    assert rejected(batch, "a.txt", b"hello\x00world") == "unsupported_type"
    assert rejected(batch, "b.txt", b"caf\xe9 latin-1") == "unsupported_type"


def test_display_names_are_cleaned() -> None:
    assert clean_display_name("../../etc/passwd") == "passwd"
    assert clean_display_name("C:\\Users\\张三\\举报.docx") == "举报.docx"
    assert clean_display_name("evil\u202egpj.exe") == "evilgpj.exe"
    assert clean_display_name("  ") == "file"
    assert len(clean_display_name("x" * 300 + ".pdf")) <= 120


def test_abort_removes_everything_written(batch: UploadBatch) -> None:
    sink = batch.open("half.txt")
    sink.write(b"partial upload " * 1000)
    done = send(batch, "done.txt", b"finished upload")
    assert done.stored_name
    batch.abort()
    assert list(batch.upload_dir.iterdir()) == []


def test_promote_waits_for_the_disk_only_when_it_renamed_files(
        batch: UploadBatch, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    batch.promote()  # a form without files: nothing renamed, no fsync to wait for
    assert synced == []
    stored = send(batch, "note.txt", b"a file to keep")
    synced.clear()
    batch.promote()
    assert len(synced) == 1  # the folder, for the rename
    assert (batch.upload_dir / stored.stored_name).exists()


def test_plain_text_is_copied_without_the_sandbox_and_decoded_files_are_not(
        batch: UploadBatch, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork of the sandbox cost some 20 times the copy of a small text file, which has
    no decoder to contain; everything with a decoder still goes through the sandbox."""
    import moderation.intake.files as files

    sandboxed: list[bool] = []
    clean_in_worker = files.clean_in_worker

    def counted(job, limits, size):  # type: ignore[no-untyped-def]
        sandboxed.append(job.is_text)
        return clean_in_worker(job, limits, size)

    monkeypatch.setattr(files, "clean_in_worker", counted)
    note = send(batch, "记录.txt", (MARKER + "\n").encode() * 50)
    assert (note.extension, note.metadata_status) == ("txt", "none")
    assert read_back(batch, note) == (MARKER + "\n").encode() * 50
    assert sandboxed == []
    send(batch, "IMG_0001.JPG", jpeg_with_gps())
    assert rejected(batch, "fake.txt", b"%PDF-1.7 not really a pdf, but it says so") == \
        "type_mismatch"  # typed as a PDF in the sandbox, then refused for its name
    assert sandboxed == [False, True]  # the photo; text that names a decoder's format
