"""Metadata stripping, run on every upload before any member of staff can open it.

Where it happens: the upload sink first encrypts the raw upload to a temporary file;
at `finish()` the raw file is read back through a seekable decrypting view, cleaned by
the function for its type, and re-encrypted straight into the stored file. No plaintext
touches the disk, and the raw copy is deleted. Types that must be decoded whole
(images, PDF, OGG) have in-memory caps (`SanitizeCaps`); a file over its cap is refused
rather than kept with its metadata. Office files, MP3, WAV and MP4 are rewritten as
streams, with memory bounded by one zip part or one MP4 `moov` box.
"""

from __future__ import annotations

import io
import logging
import shutil
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import FileType
from moderation.intake.models import MetadataStatus

MB = 1024 * 1024


@dataclass(frozen=True)
class SanitizeCaps:
    """Per-type limits for the cleaners that hold a whole file (or part) in memory."""

    image_bytes: int = 30 * MB
    image_pixels: int = 50_000_000
    pdf_bytes: int = 50 * MB
    ogg_bytes: int = 32 * MB
    mp4_moov_bytes: int = 64 * MB
    zip_part_bytes: int = 32 * MB
    zip_total_bytes: int = 1024 * MB
    zip_entries: int = 5000


def sanitize(file_type: FileType, src: BinaryIO, size: int, out: BinaryIO,
             caps: SanitizeCaps = SanitizeCaps()) -> MetadataStatus:
    """Copy `src` (plaintext, seekable) to `out` without identifying metadata."""
    from moderation.intake import sanitize_media, sanitize_office

    src.seek(0)
    if file_type.kind == "image":
        return clean_image(src, size, out, caps)
    if file_type.code == "pdf":
        return clean_pdf(src, size, out, caps)
    if file_type.code in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
        return sanitize_office.clean_office(src, out, caps)
    if file_type.code == "mp3":
        return sanitize_media.clean_mp3(src, size, out)
    if file_type.code == "wav":
        return sanitize_media.clean_wav(src, size, out)
    if file_type.code in ("mp4", "m4a", "mov"):
        return sanitize_media.clean_mp4(src, size, out, caps)
    if file_type.code == "ogg":
        return sanitize_media.clean_ogg(src, size, out, caps)
    shutil.copyfileobj(src, out, 64 * 1024)
    return MetadataStatus.none if file_type.kind == "text" else MetadataStatus.kept


def image_bytes_clean(data: bytes, caps: SanitizeCaps = SanitizeCaps()) -> bytes:
    """Re-encode an image held in memory (used for pictures inside office files)."""
    out = io.BytesIO()
    clean_image(io.BytesIO(data), len(data), out, caps)
    return out.getvalue()


def clean_image(src: BinaryIO, size: int, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Re-encode with Pillow: orientation applied, no EXIF, GPS, XMP or text chunks."""
    if size > caps.image_bytes:
        raise FileRejected("too_large_for_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src) as image:
                fmt = image.format
                if image.width * image.height > caps.image_pixels:
                    raise FileRejected("too_large_for_type")
                frames = getattr(image, "n_frames", 1)
                if frames > 1:
                    _save_animation(image, fmt, out)
                else:
                    _save_still(ImageOps.exif_transpose(image), fmt, out)
    except FileRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRejected("damaged") from None
    return MetadataStatus.stripped


def _save_still(image: Image.Image, fmt: str | None, out: BinaryIO) -> None:
    # Only pixels go through: no exif=, no xmp, no pnginfo, no comment.
    icc = image.info.get("icc_profile")
    kwargs: dict[str, object] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=92, optimize=True, **kwargs)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=90, **kwargs)
    elif fmt == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG", **kwargs)


def _save_animation(image: Image.Image, fmt: str | None, out: BinaryIO) -> None:
    frames = []
    for index in range(image.n_frames):  # type: ignore[attr-defined]
        image.seek(index)
        frames.append(image.copy())
    first, rest = frames[0], frames[1:]
    options = {"save_all": True, "append_images": rest, "loop": image.info.get("loop", 0),
               "duration": image.info.get("duration", 100)}
    first.save(out, "WEBP" if fmt == "WEBP" else "GIF", **options)


def clean_pdf(src: BinaryIO, size: int, out: BinaryIO, caps: SanitizeCaps) -> MetadataStatus:
    """Rewrite with pypdf: no Info dictionary (Author, Creator, Producer…), no XMP."""
    import pypdf
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    if size > caps.pdf_bytes:
        raise FileRejected("too_large_for_type")
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged-but-readable PDF is not worth a warning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(src)
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileRejected("damaged")
            # Copy the pages into a fresh document: objects reachable only from the old
            # catalog or trailer (Info, XMP) never make it across.
            writer = pypdf.PdfWriter()
            writer.append(reader)
            writer.metadata = None
            writer.xmp_metadata = None
            for key in ("/Metadata", "/PieceInfo"):
                writer.root_object.pop(NameObject(key), None)
            for page in writer.pages:
                for key in ("/Metadata", "/PieceInfo"):
                    page.pop(NameObject(key), None)
            writer.write(out)
    except FileRejected:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError, IndexError):
        raise FileRejected("damaged") from None
    finally:
        pypdf_log.setLevel(level)
    return MetadataStatus.stripped
