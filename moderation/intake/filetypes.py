"""What a file is, decided from its content (magic bytes, zip contents), never its name.

The allowlist is `TYPES`. A name whose extension names another kind of file than the
content (a ".jpg" that is text) is refused as `type_mismatch`; an extension outside the
allowlist as `unsupported_type`; no extension at all is fine (the content decides).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from moderation.intake.errors import FileRejected

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileType:
    """One accepted type: `kind` groups types whose extensions may stand for each other."""

    code: str
    media_type: str
    extension: str
    kind: str  # image | document | audio | video | text
    aliases: tuple[str, ...] = ()


TYPES = {t.code: t for t in (
    FileType("jpeg", "image/jpeg", "jpg", "image", ("jpeg", "jpe", "jfif")),
    FileType("png", "image/png", "png", "image"),
    FileType("gif", "image/gif", "gif", "image"),
    FileType("webp", "image/webp", "webp", "image"),
    FileType("pdf", "application/pdf", "pdf", "document"),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "docx", "document"),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "xlsx", "document"),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx", "document"),
    FileType("odt", "application/vnd.oasis.opendocument.text", "odt", "document"),
    FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", "ods", "document"),
    FileType("odp", "application/vnd.oasis.opendocument.presentation", "odp", "document"),
    FileType("mp3", "audio/mpeg", "mp3", "audio"),
    FileType("m4a", "audio/mp4", "m4a", "audio", ("aac",)),
    FileType("wav", "audio/wav", "wav", "audio"),
    FileType("ogg", "audio/ogg", "ogg", "audio", ("oga", "opus")),
    FileType("mp4", "video/mp4", "mp4", "video", ("m4v",)),
    FileType("mov", "video/quicktime", "mov", "video"),
    FileType("webm", "video/webm", "webm", "video"),
    FileType("text", "text/plain; charset=utf-8", "txt", "text", ("text", "csv", "md", "log")),
)}

_EXT_KIND = {ext: t.kind for t in TYPES.values() for ext in (t.extension, *t.aliases)}
_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OOXML = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
               b"M4V ", b"MSNV", b"dash", b"3gp4", b"3gp5"}


def sniff(head: bytes) -> str | None:
    """The type code suggested by the first bytes, "zip" for any zip, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"  # MPEG audio frame sync with a layer set (ADTS AAC has layer 0)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _M4A_BRANDS:
            return "m4a"
        if brand == b"qt  ":
            return "mov"
        return "mp4" if brand in _MP4_BRANDS else None
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "webm"
    return None


def _zip_type(reader: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(reader) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as fh:
                    code = _ODF.get(fh.read(100).strip())
                if code:
                    return code
            if "[Content_Types].xml" in names:
                for prefix, code in _OOXML:
                    if any(n.startswith(prefix) for n in names):
                        return code
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise FileRejected("damaged") from None
    raise FileRejected("unsupported_type")


def detect(head: bytes, reader: BinaryIO, *, is_text: bool) -> FileType:
    """Decide the type from the content; `reader` is a seekable plaintext view.

    `is_text` says the whole file decoded as UTF-8 without control characters (the
    upload sink checks that while streaming). Raises FileRejected otherwise.
    """
    code = sniff(head)
    if code == "zip":
        code = _zip_type(reader)
    if code is None and is_text:
        code = "text"
    if code is None:
        raise FileRejected("unsupported_type")
    return TYPES[code]


def extension_of(name: str) -> str:
    """The lower-case extension of a file name ("" if none)."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in base.strip("."):
        return ""
    return base.rsplit(".", 1)[-1].lower()


def check_extension(name: str, file_type: FileType) -> None:
    """Refuse a name whose extension is outside the allowlist or names another kind."""
    ext = extension_of(name)
    if not ext:
        return
    kind = _EXT_KIND.get(ext)
    if kind is None:
        raise FileRejected("unsupported_type")
    if kind != file_type.kind:
        raise FileRejected("type_mismatch")
