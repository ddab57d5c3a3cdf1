"""Thumbnails and PDF page counts of cleaned evidence are made in the worker sandbox,
never in the server, and a file that does not decode gives no preview, not an error."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from PIL import Image

from moderation import sandbox
from moderation.intake import previews
from moderation.intake.errors import FileRejected


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def pdf(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def sandboxed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions run through the sandbox."""
    calls: list[str] = []
    real = sandbox.run_limited

    def spy(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(func.__name__)
        return real(func, *args, **kwargs)

    monkeypatch.setattr(previews.sandbox, "run_limited", spy)
    return calls


def test_a_thumbnail_is_a_small_jpeg_made_in_the_sandbox(sandboxed: list[str]) -> None:
    with Image.open(io.BytesIO(previews.thumbnail_in_worker(jpeg(1600, 900)))) as image:
        assert (image.format, image.size) == ("JPEG", (320, 180))
    assert sandboxed == ["make_thumbnail"]


@pytest.mark.parametrize("data", [b"not an image at all", jpeg(400, 300)[:200]],
                         ids=["garbage", "truncated"])
def test_an_image_that_does_not_decode_gives_no_thumbnail(data: bytes) -> None:
    with pytest.raises(FileRejected):
        previews.thumbnail_in_worker(data)


def test_too_many_pixels_give_no_thumbnail() -> None:
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 Mpx in a few kilobytes
    with pytest.raises(FileRejected):
        previews.thumbnail_in_worker(out.getvalue())


def test_pdf_pages_are_counted_in_the_sandbox(sandboxed: list[str]) -> None:
    assert previews.pdf_pages_in_worker(pdf(3)) == 3
    assert previews.pdf_pages_in_worker(b"%PDF-1.7 broken") is None
    assert sandboxed == ["count_pdf_pages", "count_pdf_pages"]
