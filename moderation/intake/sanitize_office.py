"""Office documents (OOXML and ODF) rewritten as a stream, without author metadata.

Each zip part is copied in order, with fixed timestamps. Document properties are
replaced by empty ones (core.xml, app.xml, custom.xml, ODF meta.xml: an empty but
valid part keeps the package consistent without parsing its relationships); comment
and tracked-change author names are blanked; embedded pictures are re-encoded without
EXIF. Memory is bounded by one part (`SanitizeCaps.zip_part_bytes`).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from typing import BinaryIO

from moderation.intake.errors import FileRejected
from moderation.intake.models import MetadataStatus
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
_ELEMENTS = re.compile(rb"<(author|dc:creator|meta:creator)>[^<]*</\1>")
_PERSON_PARTS = re.compile(
    r"^(word/.*\.xml|xl/comments.*\.xml|xl/threadedComments/.*\.xml|xl/persons/.*\.xml"
    r"|ppt/commentAuthors\.xml|ppt/authors\.xml|ppt/comments/.*\.xml|content\.xml"
    r"|styles\.xml)$")
_NAME_ATTR_PARTS = re.compile(r"^(ppt/commentAuthors\.xml|ppt/authors\.xml)$")
_MEDIA = re.compile(r"^(word|xl|ppt)/media/[^/]+\.(jpe?g|png)$|^Pictures/[^/]+\.(jpe?g|png)$",
                    re.IGNORECASE)


def _scrub_people(name: str, data: bytes) -> bytes:
    def blank(match: re.Match[bytes]) -> bytes:
        attr = match.group(1)
        if attr == b"name" and not _NAME_ATTR_PARTS.match(name):
            return match.group(0)
        return attr + b'=""'

    data = _ATTRS.sub(blank, data)
    return _ELEMENTS.sub(lambda m: b"<" + m.group(1) + b"></" + m.group(1) + b">", data)


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
    if name in _EMPTY_PARTS:
        result.writestr(target, _EMPTY_PARTS[name])
        return
    rewrite = _PERSON_PARTS.match(name) or _MEDIA.match(name)
    if rewrite and info.file_size <= caps.zip_part_bytes:
        data = archive.read(info)
        if _MEDIA.match(name):
            try:
                data = image_bytes_clean(data)
            except FileRejected:
                data = b""  # an unreadable picture is dropped, not kept with its EXIF
        else:
            data = _scrub_people(name, data)
        result.writestr(target, data)
        return
    target.file_size = info.file_size  # lets zipfile decide on zip64 before streaming
    with archive.open(info) as part, result.open(target, "w") as sink:
        shutil.copyfileobj(part, sink, 64 * 1024)
