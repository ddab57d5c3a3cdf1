"""What the case page shows of cleaned evidence: image thumbnails and PDF page counts.

The cleaned copies were rewritten by our own sanitiser, but their content still comes
from a stranger: they are decoded in a limited child (`moderation.sandbox`), never in the
server.
"""

from __future__ import annotations

import io
import logging

from moderation import sandbox
from moderation.intake.errors import FileRejected

MB = 1024 * 1024
THUMB_PX = 320
MAX_PIXELS = 40_000_000
LIMITS = sandbox.Limits(memory_bytes=512 * MB, seconds=15)

sandbox.preload(["moderation.intake.previews", "pypdf", "PIL.Image", "PIL.JpegImagePlugin",
                 "PIL.PngImagePlugin", "PIL.GifImagePlugin", "PIL.WebPImagePlugin"])


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG at most THUMB_PX on its longer side (runs in the child; callable directly)."""
    from PIL import Image  # preloaded in the sandbox; the server never needs it

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError("too many pixels")
        image.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()


def thumbnail_in_worker(data: bytes) -> bytes:
    """`make_thumbnail` in the sandbox; FileRejected when the image does not decode
    within its limits."""
    try:
        return sandbox.run_limited(make_thumbnail, data, limits=LIMITS)
    except (OSError, ValueError, sandbox.SandboxError, *_image_errors()):
        raise FileRejected("damaged") from None


def _image_errors() -> tuple[type[Exception], ...]:
    """Pillow's errors, as a child may raise them (imported only when one came back)."""
    from PIL import Image, UnidentifiedImageError

    return (UnidentifiedImageError, Image.DecompressionBombError)


def count_pdf_pages(data: bytes) -> int | None:
    """The page count of a PDF, None when it does not parse (runs in the child)."""
    import pypdf
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return len(pypdf.PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def pdf_pages_in_worker(data: bytes) -> int | None:
    """`count_pdf_pages` in the sandbox; None when it breaks its limits."""
    try:
        return sandbox.run_limited(count_pdf_pages, data, limits=LIMITS)
    except sandbox.SandboxError:
        return None
