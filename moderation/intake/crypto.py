"""Encryption at rest: a data key per submission, wrapped by the master key.

- `wrap_key` / `unwrap_key`: AES-256-GCM of the data key under the master key, bound
  to the submission reference (a wrapped key moved to another row does not open).
- `seal` / `open_sealed`: small values (contact details, file names), AES-256-GCM.
- `EncryptingWriter` / `DecryptingReader`: files as a stream of AES-GCM chunks (64 KiB of
  plaintext each). Nonce = random 8-byte prefix + 32-bit chunk counter; the associated
  data carries the counter and a final-chunk flag, so reordering, truncation and
  appending are all detected. Neither side holds more than one chunk in memory; the
  reader is seekable, so zip and PDF parsers can use it without a plaintext copy.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from moderation.intake.keys import hkdf

KEY_BYTES = 32
CHUNK = 64 * 1024
TAG = 16
MAGIC = b"MSF1"
PREFIX = 8
HEADER = len(MAGIC) + PREFIX
_VERSION = b"\x01"


class DecryptionFailed(Exception):
    """Ciphertext was altered, truncated, or the key is wrong or erased."""


def new_data_key() -> bytes:
    """A fresh 256-bit data key for one submission."""
    return secrets.token_bytes(KEY_BYTES)


def _aad(label: bytes, context: str) -> bytes:
    return label + b"|" + context.encode()


def wrap_key(master: bytes, data_key: bytes, reference: str) -> bytes:
    """Wrap a data key with the master key (version byte, nonce, ciphertext+tag)."""
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(master).encrypt(nonce, data_key, _aad(b"minsheng/key/v1", reference))
    return _VERSION + nonce + sealed


def unwrap_key(master: bytes, wrapped: bytes | None, reference: str) -> bytes:
    """Unwrap a data key; raises DecryptionFailed if erased (None) or tampered."""
    if not wrapped or wrapped[:1] != _VERSION:
        raise DecryptionFailed("no usable key (erased?)")
    try:
        return AESGCM(master).decrypt(wrapped[1:13], wrapped[13:],
                                      _aad(b"minsheng/key/v1", reference))
    except InvalidTag:
        raise DecryptionFailed("wrapped key does not open") from None


def seal(data_key: bytes, plaintext: bytes, context: str, pad_to: int = 1) -> bytes:
    """Encrypt a small value bound to `context`; pad with spaces to a multiple of `pad_to`."""
    if pad_to > 1:
        plaintext += b" " * (-len(plaintext) % pad_to)
    nonce = secrets.token_bytes(12)
    return _VERSION + nonce + AESGCM(data_key).encrypt(nonce, plaintext,
                                                       _aad(b"minsheng/seal/v1", context))


def open_sealed(data_key: bytes, blob: bytes, context: str) -> bytes:
    """Decrypt a value made by `seal` (padding, if any, is left to the caller)."""
    if not blob or blob[:1] != _VERSION:
        raise DecryptionFailed("not a sealed value")
    try:
        return AESGCM(data_key).decrypt(blob[1:13], blob[13:], _aad(b"minsheng/seal/v1", context))
    except InvalidTag:
        raise DecryptionFailed("sealed value does not open") from None


def file_key(data_key: bytes, stored_name: str) -> bytes:
    """A key per stored file, so nonce prefixes never need to be unique across files."""
    return hkdf(data_key, "intake/file|" + stored_name)


def _chunk_aad(context: bytes, index: int, final: bool) -> bytes:
    return MAGIC + context + struct.pack(">IB", index, 1 if final else 0)


class EncryptingWriter(io.RawIOBase):
    """Write-only, non-seekable stream that encrypts into `sink` chunk by chunk.

    `tell()` counts plaintext bytes (zipfile and pypdf need it); `sha256` hashes the
    plaintext; call `finish()` to write the final chunk. Buffers at most one chunk.
    """

    def __init__(self, sink: BinaryIO, key: bytes, context: str) -> None:
        super().__init__()
        self._sink = sink
        self._aead = AESGCM(key)
        self._context = context.encode()
        self._prefix = secrets.token_bytes(PREFIX)
        self._buffer = bytearray()
        self._index = 0
        self._written = 0
        self._finished = False
        self.sha256 = hashlib.sha256()
        sink.write(MAGIC + self._prefix)

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._written

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        if self._finished:
            raise ValueError("stream already finished")
        view = memoryview(data).cast("B")
        self._buffer += view
        self.sha256.update(view)
        self._written += len(view)
        # Keep the last (possibly full) chunk back: only finish() knows it is final.
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(view)

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._index)
        self._sink.write(self._aead.encrypt(nonce, plaintext,
                                            _chunk_aad(self._context, self._index, final)))
        self._index += 1

    def finish(self) -> int:
        """Write the final chunk; return the plaintext size."""
        if not self._finished:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._finished = True
        return self._written


class DecryptingReader(io.RawIOBase):
    """Seekable, read-only plaintext view of a file written by `EncryptingWriter`."""

    def __init__(self, source: BinaryIO, key: bytes, context: str) -> None:
        super().__init__()
        self._src = source
        self._aead = AESGCM(key)
        self._context = context.encode()
        source.seek(0, os.SEEK_END)
        body = source.tell() - HEADER
        source.seek(0)
        head = source.read(HEADER)
        if len(head) != HEADER or head[:len(MAGIC)] != MAGIC or body < TAG:
            raise DecryptionFailed("not an encrypted file, or truncated")
        self._prefix = head[len(MAGIC):]
        self._chunks = -(-body // (CHUNK + TAG))
        last = body - (self._chunks - 1) * (CHUNK + TAG)
        if last < TAG:
            raise DecryptionFailed("truncated inside a chunk tag")
        self.size = body - TAG * self._chunks
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        self._src.seek(HEADER + index * (CHUNK + TAG))
        sealed = self._src.read(CHUNK + TAG)
        final = index == self._chunks - 1
        nonce = self._prefix + struct.pack(">I", index)
        try:
            plain = self._aead.decrypt(nonce, sealed, _chunk_aad(self._context, index, final))
        except InvalidTag:
            raise DecryptionFailed(f"chunk {index} altered, reordered or truncated") from None
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self._pos >= self.size:
            return 0
        index, offset = divmod(self._pos, CHUNK)
        piece = self._chunk(index)[offset:offset + len(buffer)]
        buffer[:len(piece)] = piece
        self._pos += len(piece)
        return len(piece)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self._pos
        out = bytearray()
        while len(out) < size:
            piece = bytearray(min(size - len(out), CHUNK))
            got = self.readinto(piece)
            if not got:
                break
            out += piece[:got]
        return bytes(out)

    def readall(self) -> bytes:
        return self.read(-1)

    def chunks(self) -> Iterator[bytes]:
        """Every plaintext chunk in order, verifying each (for downloads)."""
        for index in range(self._chunks):
            yield self._chunk(index)
