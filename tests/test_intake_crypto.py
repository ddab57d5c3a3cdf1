"""Encryption at rest: wrapped data keys, sealed contacts, chunked file streams."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from moderation.intake.crypto import (
    CHUNK,
    HEADER,
    TAG,
    DecryptingReader,
    DecryptionFailed,
    EncryptingWriter,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)
from moderation.intake.keys import IntakeKeys
from moderation.intake.storage import Contact, seal_contact

KEYS = IntakeKeys.from_secrets("crypto-test-secret-" + "k" * 40)


def _encrypt(data: bytes, key: bytes, context: str = "MS-AAAA-BBBB/f.enc",
             piece: int = 10_000) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, context)
    for start in range(0, len(data), piece):
        writer.write(data[start:start + piece])
    assert writer.finish() == len(data)
    return out.getvalue()


def test_master_key_from_secret_or_from_encryption_key() -> None:
    same = IntakeKeys.from_secrets("crypto-test-secret-" + "k" * 40)
    separate = IntakeKeys.from_secrets("crypto-test-secret-" + "k" * 40, "E" * 40)
    assert same.master == KEYS.master
    assert separate.master != KEYS.master
    assert separate.receipt_hash == KEYS.receipt_hash  # only the master key moves
    assert len({KEYS.master, KEYS.receipt, KEYS.receipt_hash, KEYS.proof, KEYS.form_nonce,
                KEYS.idempotency, KEYS.ratelimit}) == 7


def test_wrapped_key_opens_only_for_its_reference_and_master() -> None:
    data_key = new_data_key()
    wrapped = wrap_key(KEYS.master, data_key, "MS-AAAA-BBBB")
    assert data_key not in wrapped
    assert unwrap_key(KEYS.master, wrapped, "MS-AAAA-BBBB") == data_key
    with pytest.raises(DecryptionFailed):
        unwrap_key(KEYS.master, wrapped, "MS-AAAA-CCCC")
    with pytest.raises(DecryptionFailed):
        unwrap_key(IntakeKeys.from_secrets("z" * 40).master, wrapped, "MS-AAAA-BBBB")
    with pytest.raises(DecryptionFailed):
        unwrap_key(KEYS.master, None, "MS-AAAA-BBBB")  # erased


def test_contact_details_round_trip_and_hide_their_length() -> None:
    data_key = new_data_key()
    short = seal_contact(data_key, "MS-AAAA-BBBB", Contact("张三", "13800000000", ""))
    longer = seal_contact(data_key, "MS-AAAA-BBBB", Contact("张三丰", "13800000001", "a@b.cn"))
    assert len(short) == len(longer)  # padded to 64-byte blocks
    assert b"13800000000" not in short
    plain = open_sealed(data_key, short, "MS-AAAA-BBBB/contact")
    assert b"13800000000" in plain
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, short, "MS-ZZZZ-BBBB/contact")
    tampered = bytearray(short)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, bytes(tampered), "MS-AAAA-BBBB/contact")
    assert seal(data_key, b"x", "c") != seal(data_key, b"x", "c")  # fresh nonce each time


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * 1024 * 1024 + 7])
def test_stream_round_trip_at_chunk_edges(size: int) -> None:
    key = new_data_key()
    data = os.urandom(size)
    sealed = _encrypt(data, key)
    reader = DecryptingReader(io.BytesIO(sealed), key, "MS-AAAA-BBBB/f.enc")
    assert reader.size == size
    assert hashlib.sha256(b"".join(reader.chunks())).digest() == hashlib.sha256(data).digest()
    reader.seek(size // 2)
    assert reader.read(100) == data[size // 2:size // 2 + 100]


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    marker = b"PLAINTEXT-MARKER-4242 "
    sealed = _encrypt(marker * 20_000, new_data_key())
    assert marker not in sealed
    assert b"MARKER" not in sealed


def _fails(sealed: bytes, key: bytes, context: str = "MS-AAAA-BBBB/f.enc") -> bool:
    try:
        reader = DecryptingReader(io.BytesIO(sealed), key, context)
        for _ in reader.chunks():
            pass
    except DecryptionFailed:
        return True
    return False


def test_tampering_truncation_reordering_and_appending_are_detected() -> None:
    key = new_data_key()
    data = os.urandom(3 * CHUNK + 100)
    sealed = _encrypt(data, key)
    flipped = bytearray(sealed)
    flipped[HEADER + 10] ^= 0x01
    step = CHUNK + TAG
    first, second = sealed[HEADER:HEADER + step], sealed[HEADER + step:HEADER + 2 * step]
    reordered = sealed[:HEADER] + second + first + sealed[HEADER + 2 * step:]
    assert _fails(bytes(flipped), key)
    assert _fails(sealed[:HEADER + 2 * step], key)  # cut at a chunk boundary
    assert _fails(sealed[:-5], key)  # cut inside the last chunk
    assert _fails(reordered, key)
    assert _fails(sealed + sealed[HEADER:HEADER + step], key)  # a chunk appended
    assert _fails(sealed, key, "MS-AAAA-BBBB/other.enc")  # moved to another file
    assert _fails(sealed, new_data_key())
    assert not _fails(sealed, key)
