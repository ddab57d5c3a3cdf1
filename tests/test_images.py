"""Cover images are checked by content, re-encoded without metadata and stored by hash."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from portal.content.images import (
    MAX_PIXELS,
    WRONG_TYPE,
    ImageRejected,
    clean_image,
    cover_path,
    store_cover,
)

LIMIT = 1024 * 1024


def encode(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGB",
           **options: object) -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, 120).save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    return exif.tobytes()


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_metadata_is_removed_and_orientation_applied(fmt: str, ext: str) -> None:
    original = encode(fmt, exif=camera_exif())
    assert b"SecretCameraMaker" in original
    clean = clean_image(original, LIMIT)
    assert clean.ext == ext
    assert b"SecretCameraMaker" not in clean.data
    reopened = Image.open(BytesIO(clean.data))
    assert reopened.format == fmt
    assert dict(reopened.getexif()) == {}
    assert reopened.size == (30, 40)  # turned upright before the tag was dropped


@pytest.mark.parametrize("data", [
    b"just text with a .jpg name",
    b"",
    encode("GIF"),
    encode("BMP"),
    b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing behind it
    encode("PNG")[:60],  # truncated
])
def test_anything_but_a_whole_jpeg_png_or_webp_is_415(data: bytes) -> None:
    with pytest.raises(ImageRejected) as caught:
        clean_image(data, LIMIT)
    assert caught.value.status == 415


def test_too_many_bytes_is_413_before_decoding() -> None:
    with pytest.raises(ImageRejected) as caught:
        clean_image(b"x" * (LIMIT + 1), LIMIT)
    assert caught.value.status == 413
    assert caught.value.variables == {"limit": "1"}


def test_decompression_bomb_is_413() -> None:
    side = int(MAX_PIXELS ** 0.5) + 10
    bomb = encode("PNG", size=(side, side), mode="1")  # tiny file, huge picture
    assert len(bomb) < LIMIT
    with pytest.raises(ImageRejected) as caught:
        clean_image(bomb, LIMIT)
    assert caught.value.status == 413


def test_store_names_by_hash_and_cover_path_validates(tmp_path: Path) -> None:
    class Settings:
        upload_dir = tmp_path

    name = store_cover(tmp_path, encode("PNG"), LIMIT)
    stored = tmp_path / "covers" / name
    assert name == f"{hashlib.sha256(stored.read_bytes()).hexdigest()}.png"
    assert store_cover(tmp_path, encode("PNG"), LIMIT) == name  # same picture, same file
    assert cover_path(Settings, name) == stored
    for bad in ("../secret_key", name.upper(), name + ".png", "a" * 64 + ".gif",
                "a" * 64 + ".jpg", "", "covers/" + name):
        assert cover_path(Settings, bad) is None, bad


def test_store_cover_decodes_in_the_sandbox_and_refusals_come_back(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected) as wrong:
        store_cover(tmp_path, b"GIF89a not a cover", LIMIT)
    assert (wrong.value.status, wrong.value.message) == (415, WRONG_TYPE)
    with pytest.raises(ImageRejected) as bomb:
        store_cover(tmp_path, encode("PNG", size=(12_000, 12_000), mode="1"), LIMIT)
    assert bomb.value.status == 413
    assert not (tmp_path / "covers").exists() or list((tmp_path / "covers").iterdir()) == []
