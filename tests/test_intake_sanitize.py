"""Metadata stripping: what staff download carries no GPS, authors or tags.

The sample builders here are reused by the other intake tests.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pypdf
import pytest
from PIL import Image
from pypdf.generic import NameObject, StreamObject

from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import TYPES
from moderation.intake.models import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps, sanitize

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying camera make, orientation 6 (rotate), GPS and XMP."""
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x0112] = 6
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif,
                                         xmp=b"<x:xmpmeta>SecretXmpAuthor</x:xmpmeta>")
    return out.getvalue()


def pdf_with_author() -> bytes:
    """A one-page PDF with Info (Author, Creator, Producer) and XMP metadata."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "SecretPdfAuthor", "/Creator": "SecretCreatorApp",
                         "/Producer": "SecretProducer"})
    xmp = StreamObject()
    xmp.set_data(b"<x:xmpmeta><dc:creator>SecretXmpCreator</dc:creator></x:xmpmeta>")
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with_creator() -> bytes:
    """A minimal DOCX with author fields, a tracked change, custom props and a GPS photo."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml",
                   '<w:document xmlns:w="w"><w:body><w:ins w:id="1" w:author="SecretEditor" '
                   'w:date="2026-05-01T10:00:00Z"><w:r><w:t>证据正文 evidence text</w:t></w:r>'
                   '</w:ins></w:body></w:document>')
        z.writestr("docProps/core.xml",
                   '<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:creator>SecretCreator'
                   '</dc:creator><cp:lastModifiedBy>SecretModifier</cp:lastModifiedBy>'
                   '</cp:coreProperties>')
        z.writestr("docProps/app.xml", "<Properties><Company>SecretCompany</Company>"
                   "<Application>Microsoft Office Word</Application></Properties>")
        z.writestr("docProps/custom.xml", "<Properties><property name='SecretCustom'/>"
                   "</Properties>")
        z.writestr("word/media/image1.jpeg", jpeg_with_gps())
    return out.getvalue()


def mp3_with_tags() -> bytes:
    frame = b"\x00" * 0 + b"TIT2" + struct.pack(">I", 14) + b"\x00\x00" + b"\x03SecretTitle!!"
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame
    audio = (b"\xff\xfb\x90\x00" + b"\x11" * 413) * 5
    v1 = b"TAG" + b"SecretV1Title".ljust(125, b"\x00")
    return tag + audio + v1


def wav_with_info() -> bytes:
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    info = b"INFO" + b"IART" + struct.pack("<I", 14) + b"SecretArtist!\x00"
    listing = b"LIST" + struct.pack("<I", len(info)) + info
    data = b"data" + struct.pack("<I", 800) + b"\x01\x02" * 400
    body = b"WAVE" + fmt + listing + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_with_gps() -> bytes:
    """An MP4 whose moov/udta holds a ©xyz GPS atom (as phones write it)."""
    xyz = _box(b"\xa9xyz", b"\x00\x12\x15\xc7+39.9042+116.4074/")
    moov = _box(b"moov", _box(b"mvhd", bytes(100)) + _box(b"udta", xyz)
                + _box(b"trak", _box(b"tkhd", bytes(84)) + _box(b"udta", _box(b"name", b"Cam"))))
    return _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + moov + \
        _box(b"mdat", b"\x00\x01" * 500)


def _clean(code: str, data: bytes, caps: SanitizeCaps | None = None) -> bytes:
    out = io.BytesIO()
    status = sanitize(TYPES[code], io.BytesIO(data), len(data), out, caps or SanitizeCaps())
    # Video streams can carry encoder data no cleaner reaches: said as "partial".
    video = TYPES[code].kind == "video"
    assert status is (MetadataStatus.partial if video else MetadataStatus.stripped)
    return out.getvalue()


def test_jpeg_loses_gps_exif_and_xmp_and_keeps_orientation() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    cleaned = _clean("jpeg", original)
    image = Image.open(io.BytesIO(cleaned))
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(GPS_IFD)
    assert len(image.getexif()) == 0
    assert b"SecretPhoneMaker" not in cleaned
    assert b"SecretXmpAuthor" not in cleaned
    assert image.size == (48, 64)  # orientation 6 applied to the pixels


def test_png_text_chunks_are_dropped() -> None:
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretPngAuthor")
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, "PNG", pnginfo=info)
    assert b"SecretPngAuthor" in out.getvalue()
    assert b"SecretPngAuthor" not in _clean("png", out.getvalue())


def test_pdf_loses_info_dictionary_and_xmp() -> None:
    original = pdf_with_author()
    assert b"SecretPdfAuthor" in original
    assert b"SecretXmpCreator" in original
    cleaned = _clean("pdf", original)
    for secret in (b"SecretPdfAuthor", b"SecretCreatorApp", b"SecretProducer",
                   b"SecretXmpCreator"):
        assert secret not in cleaned
    reader = pypdf.PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 1
    assert not (reader.metadata or {}).get("/Author")
    assert "/Metadata" not in reader.trailer["/Root"]


def test_docx_loses_authors_company_custom_props_and_photo_gps() -> None:
    cleaned = _clean("docx", docx_with_creator())
    with zipfile.ZipFile(io.BytesIO(cleaned)) as z:
        everything = b"".join(z.read(name) for name in z.namelist())
        assert "证据正文 evidence text" in z.read("word/document.xml").decode()
        photo = Image.open(io.BytesIO(z.read("word/media/image1.jpeg")))
        assert not photo.getexif().get_ifd(GPS_IFD)
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    for secret in (b"SecretCreator", b"SecretModifier", b"SecretCompany", b"SecretCustom",
                   b"SecretEditor", b"SecretPhoneMaker"):
        assert secret not in everything


def test_mp3_loses_id3_tags_but_keeps_frames() -> None:
    original = mp3_with_tags()
    cleaned = _clean("mp3", original)
    assert b"SecretTitle" not in cleaned
    assert b"SecretV1Title" not in cleaned
    assert cleaned.startswith(b"\xff\xfb")
    assert len(cleaned) == 5 * 417


def test_wav_info_chunk_becomes_padding_of_the_same_size() -> None:
    original = wav_with_info()
    cleaned = _clean("wav", original)
    assert b"SecretArtist" not in cleaned
    assert len(cleaned) == len(original)
    assert b"JUNK" in cleaned
    assert cleaned.endswith(b"\x01\x02" * 400)


def test_mp4_gps_atom_is_blanked_without_moving_media() -> None:
    original = mp4_with_gps()
    cleaned = _clean("mp4", original)
    assert b"+39.9042" not in cleaned
    assert b"Cam" not in cleaned
    assert len(cleaned) == len(original)
    assert cleaned.endswith(b"\x00\x01" * 500)


def test_text_is_kept_as_is() -> None:
    out = io.BytesIO()
    status = sanitize(TYPES["text"], io.BytesIO("证词\n".encode()), 7, out)
    assert status is MetadataStatus.none
    assert out.getvalue() == "证词\n".encode()


def test_over_type_cap_or_damaged_files_are_refused_not_kept() -> None:
    with pytest.raises(FileRejected) as too_big:
        _clean("jpeg", jpeg_with_gps(), SanitizeCaps(image_bytes=100))
    assert too_big.value.code == "too_large_for_type"
    with pytest.raises(FileRejected) as pixels:
        _clean("jpeg", jpeg_with_gps((400, 400)), SanitizeCaps(image_pixels=1000))
    assert pixels.value.code == "over_budget"
    for code, junk in (("jpeg", b"\xff\xd8\xff" + b"\x00" * 50), ("pdf", b"%PDF-1.7 junk"),
                       ("docx", b"PK\x03\x04 not really"), ("mp4", b"\x00\x00\x00\x20moov")):
        with pytest.raises(FileRejected) as damaged:
            _clean(code, junk)
        assert damaged.value.code == "damaged"
