"""Cover images: checked by content, re-encoded without metadata, stored by hash."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.intake.filetimes import settle
from moderation.sandbox import (
    Limits,
    OverBudget,
    TimedOut,
    WorkerCrashed,
    WorkerFailed,
    run_limited,
)
from portal.locale_context import lazy_gettext

if TYPE_CHECKING:
    from PIL import Image

COVERS = "covers"
MAX_PIXELS = 40_000_000  # far above any real cover; far below a decompression bomb
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WORKER_LIMITS = Limits(memory_bytes=512 * 1024 * 1024, seconds=30)
NAME_PATTERN = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp)")

TOO_LARGE = lazy_gettext("The image is larger than %(limit)s MB. Please choose a smaller one.")
TOO_MANY_PIXELS = lazy_gettext("The image has too many pixels. Please choose a smaller one.")
WRONG_TYPE = lazy_gettext("Only JPEG, PNG or WebP images can be used as a cover.")


class ImageRejected(Exception):
    """The upload is not an acceptable image; `status` is 413 or 415, `message` a msgid."""

    def __init__(self, status: int, message: str, **variables: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.variables = variables

    def __reduce__(self) -> Any:
        # Raised in the sandboxed worker and re-raised here: must pickle.
        return (_rebuild_rejection, (self.status, self.message, self.variables))


def _rebuild_rejection(status: int, message: str, variables: dict[str, object]) -> ImageRejected:
    return ImageRejected(status, message, **variables)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    ext: str


def _open_checked(data: bytes) -> Image.Image:
    # Imported here: this runs in the sandbox's child, and the server is spared Pillow.
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(BytesIO(data))
            if probe.format not in FORMATS:
                raise ImageRejected(415, WRONG_TYPE)
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(413, TOO_MANY_PIXELS)
            probe.verify()
            # verify() leaves the image unusable; open again to decode it.
            image = Image.open(BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(413, TOO_MANY_PIXELS) from None
        except ImageRejected:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ImageRejected(415, WRONG_TYPE) from None
    return image


def clean_image(data: bytes, max_bytes: int) -> CleanImage:
    """Check `data` is a JPEG, PNG or WebP within limits; re-encode it without metadata."""
    if len(data) > max_bytes:
        raise ImageRejected(413, TOO_LARGE, limit=f"{max_bytes / (1024 * 1024):g}")
    from PIL import Image, ImageOps

    image = _open_checked(data)
    fmt = image.format or ""
    # Turn the picture upright before the orientation tag is dropped with the rest of EXIF.
    upright = ImageOps.exif_transpose(image)
    out = BytesIO()
    options: dict[str, Any] = {}
    if fmt == "JPEG":
        upright = upright.convert("RGB")
        options = {"quality": 88, "optimize": True}
    elif fmt == "PNG":
        if upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            upright = upright.convert("RGBA")
        options = {"optimize": True}
    else:
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA")
        options = {"quality": 85}
    # A fresh image carries pixels only: no EXIF, XMP, ICC profile or text chunks.
    bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode == "P":
        bare.putpalette(upright.getpalette() or [])
        if "transparency" in upright.info:
            options["transparency"] = upright.info["transparency"]
    bare.save(out, format=fmt, **options)
    return CleanImage(out.getvalue(), FORMATS[fmt])


def store_cover(upload_dir: Path, data: bytes, max_bytes: int) -> str:
    """Clean and store a cover image; return its file name (`<sha256>.<ext>`)."""
    try:
        # Decoded in a worker with hard limits, like citizens' evidence.
        clean = run_limited(clean_image, data, max_bytes, limits=WORKER_LIMITS)
    except (OverBudget, TimedOut, WorkerCrashed, WorkerFailed):
        raise ImageRejected(413, TOO_MANY_PIXELS) from None
    name = f"{hashlib.sha256(clean.data).hexdigest()}.{clean.ext}"
    folder = upload_dir / COVERS
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(clean.data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        finally:
            settle(target, folder, upload_dir)  # no time finer than the hour on disk
    return name


def valid_cover_name(name: str | None) -> bool:
    """True when `name` has the shape of a stored cover's file name."""
    return bool(name) and NAME_PATTERN.fullmatch(name or "") is not None


def cover_path(settings: Any, name: str) -> Path | None:
    """The file of the cover called `name`, or None if the name is malformed or unknown."""
    if not valid_cover_name(name):
        return None
    path = Path(settings.upload_dir) / COVERS / name
    return path if path.is_file() else None
