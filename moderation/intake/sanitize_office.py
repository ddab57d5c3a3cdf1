"""Office documents (OOXML and ODF) rewritten as a stream, without author metadata.

Each zip part is copied in order, with fixed timestamps. Document properties are
replaced by empty ones (core.xml, app.xml, custom.xml, ODF meta.xml, also inside
embedded ODF objects: an empty but valid part keeps the package consistent without
parsing its relationships); comment, tracked-change and people author names are blanked
and their dates fixed; every picture is re-encoded without metadata where Pillow can
(JPEG, PNG, GIF, WebP, BMP, TIFF) and emptied otherwise (EMF, WMF, SVM...); thumbnails
(`docProps/thumbnail.*`, `Thumbnails/`) are emptied, as are custom XML data
(`customXml/`), embedded objects and files (`embeddings/`, OLE objects), printer
settings and the template path (which names the author's user folder). Memory is
bounded by one part (`SanitizeCaps.zip_part_bytes`); a part that must be rewritten but
is larger is refused, never copied as it is.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import replace
from typing import BinaryIO

from moderation.intake.errors import FileRejected
from moderation.intake.metadata_status import MetadataStatus
from moderation.intake.sanitize import SanitizeCaps, image_bytes_clean

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_EMPTY_PARTS = {
    "docProps/core.xml": _XML_DECL + (
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'),
    "docProps/app.xml": _XML_DECL + (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties"/>'),
    "docProps/custom.xml": _XML_DECL + (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'custom-properties"/>'),
    "meta.xml": _XML_DECL + (
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        b'office:1.0" office:version="1.2"><office:meta/></office:document-meta>'),
}

# Attribute or element values that name a person, per part family.
_ATTRS = re.compile(
    rb'\b((?:w|w15|w16cid|w16cex):(?:author|initials|userId|providerId)'
    rb'|displayName|userId|providerId|initials|name)="[^"]*"')
_ELEMENTS = re.compile(rb"<(author|dc:creator|meta:creator|meta:initial-creator)>[^<]*</\1>")
_DATE_ATTRS = re.compile(rb'\b((?:w|w16cex):date(?:Utc)?|dT|dt)="[^"]*"')
_DATE_ELEMENTS = re.compile(rb"<(dc:date|meta:creation-date)>[^<]*</\1>")
_FIXED_DATE = b"1980-01-01T00:00:00Z"
_PRINTER = re.compile(rb'(<config:config-item config:name="(?:PrinterName|PrinterSetup|'
                      rb'PrinterPaperFromSetup)"[^>]*>)[^<]*(</config:config-item>)')
_TEMPLATE = re.compile(rb'(<Relationship [^>]*attachedTemplate[^>]*Target=")[^"]*(")')
_PERSON_PARTS = re.compile(
    r"^(word/.*\.xml|xl/comments.*\.xml|xl/threadedComments/.*\.xml|xl/persons/.*\.xml"
    r"|ppt/commentAuthors\.xml|ppt/authors\.xml|ppt/comments/.*\.xml"
    r"|(.*/)?content\.xml|(.*/)?styles\.xml|(.*/)?settings\.xml|word/_rels/.*\.rels)$")
_NAME_ATTR_PARTS = re.compile(r"^(ppt/commentAuthors\.xml|ppt/authors\.xml)$")
_PICTURE = re.compile(r"^(word|xl|ppt)/media/|^Pictures/|^ObjectReplacements/")
_EMPTIED = re.compile(
    r"^docProps/thumbnail\.|^Thumbnails/|^customXml/(?!_rels/)|^(word|xl|ppt)/embeddings/"
    r"|^(word|xl|ppt)/activeX/|^(.*/)?Object \d+/(?!content\.xml|styles\.xml|meta\.xml)"
    r"|\.bin$|^(word|xl|ppt)/printerSettings/", re.IGNORECASE)
_REENCODED = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"}


def _scrub_people(name: str, data: bytes) -> bytes:
    def blank(match: re.Match[bytes]) -> bytes:
        attr = match.group(1)
        if attr == b"name" and not _NAME_ATTR_PARTS.match(name):
            return match.group(0)
        return attr + b'=""'

    data = _ATTRS.sub(blank, data)
    data = _ELEMENTS.sub(lambda m: b"<" + m.group(1) + b"></" + m.group(1) + b">", data)
    data = _DATE_ATTRS.sub(lambda m: m.group(1) + b'="' + _FIXED_DATE + b'"', data)
    data = _DATE_ELEMENTS.sub(
        lambda m: b"<" + m.group(1) + b">" + _FIXED_DATE + b"</" + m.group(1) + b">", data)
    data = _PRINTER.sub(lambda m: m.group(1) + m.group(2), data)
    return _TEMPLATE.sub(lambda m: m.group(1) + b"Normal.dotm" + m.group(2), data)


def _clean_picture(data: bytes) -> bytes:
    """A picture re-encoded without metadata, or nothing when it cannot be."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return b""
    if fmt not in _REENCODED:
        return b""
    if fmt in ("BMP", "TIFF"):
        try:
            with Image.open(io.BytesIO(data)) as image:
                out = io.BytesIO()
                image.copy().save(out, fmt)  # a fresh image: no tags are carried over
                return out.getvalue()
        except (OSError, ValueError, SyntaxError):
            return b""
    try:
        return image_bytes_clean(data)
    except FileRejected:
        return b""  # an unreadable picture is dropped, not kept with its EXIF


def _is_embedded_package(name: str) -> bool:
    return bool(re.search(r"/embeddings/[^/]+\.(docx|xlsx|pptx)$", name, re.IGNORECASE))


def clean_office(src: BinaryIO, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Rewrite an OOXML/ODF zip without document properties or author names."""
    try:
        with zipfile.ZipFile(src) as archive:
            infos = archive.infolist()
            if len(infos) > caps.zip_entries or \
                    sum(i.file_size for i in infos) > caps.zip_total_bytes:
                raise FileRejected("over_budget")
            with zipfile.ZipFile(out, "w") as result:
                for info in infos:
                    _copy_part(archive, result, info, caps)
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError):
        raise FileRejected("damaged") from None
    return MetadataStatus.stripped


def _copy_part(archive: zipfile.ZipFile, result: zipfile.ZipFile, info: zipfile.ZipInfo,
               caps: SanitizeCaps) -> None:
    target = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
    target.compress_type = info.compress_type if info.compress_type in (
        zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED
    target.external_attr = 0o644 << 16
    name = info.filename
    if info.is_dir():
        result.writestr(target, b"")
        return
    base = name.rsplit("/", 1)[-1]
    if name in _EMPTY_PARTS or (base == "meta.xml" and "/" in name):
        result.writestr(target, _EMPTY_PARTS.get(name, _EMPTY_PARTS["meta.xml"]))
        return
    if _is_embedded_package(name) and info.file_size <= caps.zip_part_bytes:
        result.writestr(target, _clean_embedded_package(archive.read(info), caps))
        return
    if _EMPTIED.search(name):
        result.writestr(target, b"")
        return
    rewrite = _PERSON_PARTS.match(name) or _PICTURE.match(name)
    if rewrite and info.file_size > caps.zip_part_bytes:
        raise FileRejected("over_budget")  # never copy a part we must clean as it is
    if rewrite:
        data = archive.read(info)
        data = _clean_picture(data) if _PICTURE.match(name) else _scrub_people(name, data)
        result.writestr(target, data)
        return
    target.file_size = info.file_size  # lets zipfile decide on zip64 before streaming
    with archive.open(info) as part, result.open(target, "w") as sink:
        shutil.copyfileobj(part, sink, 64 * 1024)


def _clean_embedded_package(data: bytes, caps: SanitizeCaps) -> bytes:
    """An embedded Office document cleaned like the outer one (one level deep)."""
    nested = replace(caps, zip_entries=min(caps.zip_entries, 1000))
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > nested.zip_entries or \
                    sum(i.file_size for i in infos) > nested.zip_part_bytes:
                return b""
            with zipfile.ZipFile(out, "w") as result:
                for info in infos:
                    if not _is_embedded_package(info.filename):
                        _copy_part(archive, result, info, nested)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, FileRejected):
        return b""
    return out.getvalue()
