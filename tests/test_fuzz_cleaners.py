"""Property-based fuzzing (Hypothesis) of every file cleaner: mutated and truncated
versions of valid files of each accepted type are cleaned or refused with FileRejected,
never with another exception (which the sandbox would pass back to the request as a 500);
the valid files come out valid, as the same type.
"""

from __future__ import annotations

import contextlib
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import SNIFF_BYTES, detect
from moderation.intake.sanitize import SanitizeCaps
from moderation.ledger.evidence import clean_bytes
from tests.test_intake_sanitize import (
    docx_with_creator,
    jpeg_with_gps,
    mp3_with_tags,
    mp4_with_gps,
    pdf_with_author,
    wav_with_info,
)

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Small caps: a mutated file that claims a huge canvas is refused by budget, fast.
CAPS = SanitizeCaps(image_pixels=4_000_000, pdf_pages=50, pdf_objects=5000,
                    zip_total_bytes=8 * 1024 * 1024)
SAMPLES = {
    "photo.jpg": jpeg_with_gps(), "statement.pdf": pdf_with_author(),
    "notes.docx": docx_with_creator(), "call.mp3": mp3_with_tags(),
    "voice.wav": wav_with_info(), "clip.mp4": mp4_with_gps(),
    "notes.txt": "通话记录 call notes\n".encode(),
}


def _type_of(data: bytes) -> str:
    text = False
    with contextlib.suppress(UnicodeDecodeError):
        text = bool(data.decode("utf-8"))
    return detect(data[:SNIFF_BYTES], BytesIO(data), is_text=text).code


@pytest.mark.parametrize("name", list(SAMPLES))
def test_valid_files_come_out_valid_and_of_the_same_type(name: str) -> None:
    code, _status, clean = clean_bytes(SAMPLES[name], name, CAPS)
    assert clean
    assert _type_of(clean) == code == _type_of(SAMPLES[name])


@FUZZ
@given(name=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_mutated_files_are_cleaned_or_refused(name: str, data: st.DataObject) -> None:
    original = SAMPLES[name]
    body = bytearray(original)
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(body) - 1), st.integers(0, 255)),
                               min_size=1, max_size=10))
    for position, value in flips:
        body[position] = value
    cut = data.draw(st.integers(1, len(body)))
    mutated = bytes(body[:cut]) + data.draw(st.binary(max_size=64))
    with contextlib.suppress(FileRejected):
        clean_bytes(mutated, name, CAPS)
