"""Metadata stripping, run on every upload before any member of staff can open it.

Where it happens: the upload sink first encrypts the raw upload to a temporary file;
at `finish()` a worker process (`moderation.intake.cleaning`, in `moderation.sandbox`
with hard memory and time limits) reads it back through a seekable decrypting view,
cleans it with the function for its type, and re-encrypts it straight into the stored
file. No plaintext touches the disk, and the raw copy is deleted. Each cleaner first
checks the file's budget (`SanitizeCaps`) by what its decoder would expand it to,
read from the container's headers (`budgets.py`); a file over budget is refused rather
than decoded or kept with its metadata. Office files, MP3, WAV, MP4 and WebM are
rewritten as streams, with memory bounded by one zip part or one index box.
"""

from __future__ import annotations

import io
import shutil
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from moderation.intake import budgets
from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import FileType
from moderation.intake.metadata_status import MetadataStatus

if TYPE_CHECKING:
    from PIL import Image

MB = 1024 * 1024


@dataclass(frozen=True)
class SanitizeCaps:
    """Budgets of the cleaners, by what a decoder would expand a file to."""

    image_bytes: int = 30 * MB
    image_pixels: int = 50_000_000  # frames × width × height, animations included
    image_frames: int = 1000
    pdf_bytes: int = 50 * MB
    pdf_pages: int = 1000
    pdf_objects: int = 100_000
    ogg_bytes: int = 32 * MB
    mp4_moov_bytes: int = 64 * MB
    media_streams: int = 16
    media_seconds: int = 6 * 3600
    zip_part_bytes: int = 32 * MB
    zip_total_bytes: int = 256 * MB
    zip_entries: int = 5000


def sanitize(file_type: FileType, src: BinaryIO, size: int, out: BinaryIO,
             caps: SanitizeCaps = SanitizeCaps()) -> MetadataStatus:
    """Copy `src` (plaintext, seekable) to `out` without identifying metadata."""
    from moderation.intake import (
        sanitize_matroska,
        sanitize_media,
        sanitize_office,
        sanitize_pdf,
    )

    src.seek(0)
    if file_type.kind == "image":
        return clean_image(src, size, out, caps)
    if file_type.code == "pdf":
        return sanitize_pdf.clean_pdf(src, size, out, caps)
    if file_type.code in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
        return sanitize_office.clean_office(src, out, caps)
    if file_type.code == "mp3":
        return sanitize_media.clean_mp3(src, size, out)
    if file_type.code == "wav":
        return sanitize_media.clean_wav(src, size, out)
    if file_type.code in ("mp4", "m4a", "mov"):
        status = sanitize_media.clean_mp4(src, size, out, caps)
        return MetadataStatus.partial if file_type.kind == "video" else status
    if file_type.code == "webm":
        return sanitize_matroska.clean_matroska(src, size, out, caps)
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
    """Re-encode the pixels only: no EXIF, GPS, XMP, IPTC, comments, text chunks or ICC."""
    if size > caps.image_bytes:
        raise FileRejected("too_large_for_type")
    # Imported here: Pillow is for the sandbox's children (preloaded by the zygote), and
    # a server process that never decodes an image is spared its ~12 MB.
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check looks at one frame; the budget below counts them all.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(src) as image:
                fmt = image.format
                _check_image_budget(image, src, caps)
                src.seek(0)
                if getattr(image, "n_frames", 1) > 1 and fmt in _ANIMATED:
                    _save_animation(image, fmt, out)
                else:
                    _save_still(_pixels_only(ImageOps.exif_transpose(image)), fmt, out)
    except FileRejected:
        raise
    except Image.DecompressionBombError:
        raise FileRejected("over_budget") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise FileRejected("damaged") from None
    return MetadataStatus.stripped


_ANIMATED = {"GIF": "GIF", "PNG": "PNG", "WEBP": "WEBP"}


def _check_image_budget(image: Image.Image, src: BinaryIO, caps: SanitizeCaps) -> None:
    """Refuse before decoding when frames × canvas would pass the pixel budget."""
    position = src.tell()
    if image.format == "GIF":
        expansion = budgets.gif_expansion(src)
    elif image.format == "PNG":
        expansion = budgets.png_expansion(src)
    elif image.format == "WEBP":
        expansion = budgets.webp_expansion(src, image.width, image.height)
    else:
        expansion = budgets.Expansion(image.width, image.height, 1)
    src.seek(position)
    canvas = budgets.Expansion(max(expansion.width, image.width),
                               max(expansion.height, image.height), expansion.frames)
    if canvas.frames > caps.image_frames or canvas.pixels > caps.image_pixels:
        raise FileRejected("over_budget")


def _pixels_only(image: Image.Image) -> Image.Image:
    """`image` holding only pixels, in sRGB: Pillow re-writes comments and ICC from `info`.

    Takes an image of the caller's own (`exif_transpose` returns a copy) and clears its
    `info` in place: a second copy of a 12-megapixel photo cost some 20 ms.
    """
    icc = image.info.get("icc_profile")
    clean = _to_srgb(image, icc) if icc else image
    clean.info = {}
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    # The profile's description and copyright can name a device or a person; the colours
    # it describes are kept by converting the pixels instead of keeping the profile.
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if image.mode not in ("RGB", "RGBA"):
            return image
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _save_still(image: Image.Image, fmt: str | None, out: BinaryIO) -> None:
    # Only pixels go through: no exif=, xmp=, icc_profile=, pnginfo= or comment=.
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        # Not optimize=True: its second pass tripled the encoding time of a photo (96
        # against 32 ms for 12 megapixels) to make the file some 6 % smaller.
        image.save(out, "JPEG", quality=92)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=90)
    elif fmt == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG")


def _save_animation(image: Image.Image, fmt: str, out: BinaryIO) -> None:
    frames = []
    durations = []
    for index in range(image.n_frames):  # type: ignore[attr-defined]
        image.seek(index)
        durations.append(image.info.get("duration", 100))
        frame = image.copy()
        frame.info = {}
        frames.append(frame)
    options = {"save_all": True, "append_images": frames[1:], "duration": durations,
               "loop": image.info.get("loop", 0)}
    frames[0].save(out, _ANIMATED[fmt], **options)
