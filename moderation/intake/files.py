"""Uploads, streamed straight into encrypted storage, typed and cleaned on `finish()`.

The web layer creates one `UploadBatch` per form (a submission or a follow-up) and, for
each file part, an `UploadSink` it feeds chunk by chunk:

    batch = UploadBatch(upload_dir, envelope, limits)
    sink = batch.open("photo.jpg")
    for chunk in part: sink.write(chunk)        # raises FileRejected over a cap
    sink.finish()                               # type check + metadata stripping
    ... service.submit_tip(..., uploads=batch)  # promotes the files, adds the rows
    session.commit()                            # on any failure: batch.abort()

Files on disk: `tmp-*.raw` (the encrypted upload as received) and `tmp-*.part` (the
encrypted, cleaned copy) while a form is in flight; `<hex>.enc` once promoted. The
promotion (an atomic rename + fsync) happens just before the database commit, so a crash
leaves at worst a file without a row, which `storage.clean_leftovers` deletes.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from moderation.intake.cleaning import CleanJob, WorkerLimits, clean_file, clean_in_worker
from moderation.intake.crypto import EncryptingWriter, file_key, new_data_key
from moderation.intake.errors import FileRejected
from moderation.intake.filetimes import settle
from moderation.intake.filetypes import SNIFF_BYTES, TYPES, sniff
from moderation.intake.models import MetadataStatus, Submission
from moderation.intake.sanitize import SanitizeCaps

MB = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


@dataclass(frozen=True)
class UploadLimits:
    """Caps from settings: per file, per submission (all files), and a count."""

    file_bytes: int = 50 * MB
    total_bytes: int = 200 * MB
    count: int = 10
    caps: SanitizeCaps = field(default_factory=SanitizeCaps)
    worker: WorkerLimits = field(default_factory=WorkerLimits)


@dataclass(frozen=True)
class Envelope:
    """What a submission's files are bound to before its row exists: reference and key."""

    reference: str
    data_key: bytes

    def __repr__(self) -> str:
        return f"Envelope({self.reference!r}, <key>)"


def new_reference() -> str:
    """A random public reference like `MS-7K3Q-9D2F` (40 bits; not secret, not sequential)."""
    chars = "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))
    return f"MS-{chars[:4]}-{chars[4:]}"


def new_envelope(session: Session) -> Envelope:
    """A fresh reference (unused so far) and data key for a new submission."""
    table = Submission.__table__  # type: ignore[attr-defined]
    while True:
        reference = new_reference()
        # A Core query: every citizen's form POST asks it, and through the ORM it cost
        # twice the CPU.
        taken = session.execute(select(table.c.id).where(table.c.reference == reference))
        if taken.first() is None:
            return Envelope(reference, new_data_key())


def clean_display_name(name: str) -> str:
    """The citizen's file name made safe to show: no path, controls or bidi tricks."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).strip(". ")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:120]
    return name or "file"


@dataclass(frozen=True)
class StoredUpload:
    """A finished, cleaned upload waiting to be promoted and recorded."""

    stored_name: str
    size: int
    media_type: str
    extension: str
    sha256: str  # of the cleaned plaintext (what staff will download)
    original_sha256: str  # of the bytes as sent (part of the proof; not stored per file)
    metadata_status: MetadataStatus
    display_name: str


def file_context(reference: str, stored_name: str) -> str:
    """Associated data binding a stored file to its submission and name."""
    return f"{reference}/{stored_name}"


class UploadSink:
    """One file being received: encrypts every chunk to `tmp-*.raw` as it arrives."""

    def __init__(self, batch: UploadBatch, index: int, display_name: str) -> None:
        self.batch = batch
        self.index = index
        self.display_name = clean_display_name(display_name)
        token = secrets.token_hex(16)
        self.stored_name = f"{token}.enc"
        self._raw = batch.upload_dir / f"tmp-{token}.raw"
        self._part = batch.upload_dir / f"tmp-{token}.part"
        self._raw_name = self._raw.name
        self._fh = open(self._raw, "xb")  # noqa: SIM115 (closed in finish/abort)
        settle(self._raw, batch.upload_dir)
        self._writer = EncryptingWriter(self._fh, self._key(self._raw_name),
                                        file_context(batch.envelope.reference, self._raw_name))
        self._head = bytearray()
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._is_text = True
        self._aborted = False
        self._counted = 0
        self.size = 0
        self.result: StoredUpload | None = None

    def _key(self, name: str) -> bytes:
        return file_key(self.batch.envelope.data_key, name)

    def _reject(self, code: str) -> FileRejected:
        self.abort()
        return FileRejected(code, self.index)

    def write(self, chunk: bytes) -> None:
        """Append a chunk; raises FileRejected (and cleans up) when a cap is passed."""
        if self.result is not None or self._fh.closed:
            raise ValueError("upload already finished or aborted")
        self.size += len(chunk)
        if self.size > self.batch.limits.file_bytes:
            raise self._reject("too_large")
        if self.batch.bytes_received + len(chunk) > self.batch.limits.total_bytes:
            raise self._reject("total_too_large")
        self.batch.bytes_received += len(chunk)
        self._counted += len(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[:SNIFF_BYTES - len(self._head)]
        if self._is_text:
            try:
                self._is_text = not _CONTROL.search(self._text.decode(chunk))
            except UnicodeDecodeError:
                self._is_text = False
        self._writer.write(chunk)
        settle(self._fh.fileno())  # each write stamps the file with the second

    def finish(self) -> StoredUpload:
        """Decide the type, strip metadata into `tmp-*.part`, drop the raw copy."""
        if self.result is not None:
            return self.result
        original_sha256 = ""
        try:
            self._writer.finish()
            original_sha256 = self._writer.sha256.hexdigest()
            self._fh.flush()
            self._fh.close()
            if self.size == 0:
                raise FileRejected("empty")
            if self._is_text:
                try:
                    self._text.decode(b"", final=True)
                except UnicodeDecodeError:
                    self._is_text = False
            self.result = self._clean(original_sha256)
        except FileRejected as exc:
            raise self._reject(exc.code) from None
        except Exception as exc:
            # Hostile files make parsers fail in many ways: refuse, never crash.
            raise self._reject("damaged") from exc
        self._raw.unlink(missing_ok=True)
        settle(self._part, self.batch.upload_dir)
        self.batch.finished.append(self.result)
        return self.result

    def _clean(self, original_sha256: str) -> StoredUpload:
        reference = self.batch.envelope.reference
        job = CleanJob(
            raw_path=str(self._raw), raw_key=self._key(self._raw_name),
            raw_context=file_context(reference, self._raw_name),
            part_path=str(self._part), part_key=self._key(self.stored_name),
            part_context=file_context(reference, self.stored_name),
            head=bytes(self._head), is_text=self._is_text, display_name=self.display_name,
            caps=self.batch.limits.caps)
        if self._is_text and sniff(job.head) is None:
            # Plain text is copied, never decoded (this sink checked each byte as it came),
            # so there is no decoder to contain: the sandbox's fork cost 20 times the copy.
            result = clean_file(job)
        else:
            result = clean_in_worker(job, self.batch.limits.worker, self.size)
        if result.size == 0:
            raise FileRejected("damaged")
        file_type = TYPES[result.code]
        stem = self.display_name.rsplit(".", 1)[0] if "." in self.display_name else \
            self.display_name
        return StoredUpload(
            stored_name=self.stored_name, size=result.size, media_type=file_type.media_type,
            extension=file_type.extension, sha256=result.sha256,
            original_sha256=original_sha256, metadata_status=result.status,
            display_name=f"{stem}.{file_type.extension}")

    def abort(self) -> None:
        """Stop and delete whatever this upload wrote; it no longer counts against caps."""
        if not self._fh.closed:
            self._fh.close()
        self._raw.unlink(missing_ok=True)
        self._part.unlink(missing_ok=True)
        settle(self.batch.upload_dir)
        if not self._aborted:
            self._aborted = True
            self.batch.release(self)


class UploadBatch:
    """The files of one form; enforces the count and total caps across them."""

    def __init__(self, upload_dir: Path, envelope: Envelope, limits: UploadLimits,
                 *, existing_count: int = 0, existing_bytes: int = 0) -> None:
        self.upload_dir = Path(upload_dir)
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        settle(self.upload_dir, self.upload_dir.parent)
        self.envelope = envelope
        self.limits = limits
        self.bytes_received = existing_bytes
        self._count = existing_count
        self.sinks: list[UploadSink] = []
        self.finished: list[StoredUpload] = []
        self.promoted: list[Path] = []

    def open(self, display_name: str) -> UploadSink:
        """Start receiving one file; raises FileRejected("too_many") past the count cap."""
        if self._count >= self.limits.count:
            raise FileRejected("too_many", len(self.sinks))
        self._count += 1
        sink = UploadSink(self, len(self.sinks), display_name)
        self.sinks.append(sink)
        return sink

    def release(self, sink: UploadSink) -> None:
        """Forget an aborted upload's share of the caps."""
        self.bytes_received -= sink._counted
        self._count -= 1
        if sink.result in self.finished:
            self.finished.remove(sink.result)

    def promote(self) -> None:
        """Rename every cleaned file to its final name, durably (before the DB commit)."""
        if not self.finished:  # nothing to rename, so no fsync to wait for
            return
        for upload in self.finished:
            final = self.upload_dir / upload.stored_name
            part = self.upload_dir / f"tmp-{upload.stored_name.removesuffix('.enc')}.part"
            os.replace(part, final)
            self.promoted.append(final)
        settle(*self.promoted, self.upload_dir)
        fsync_dir(self.upload_dir)

    def abort(self) -> None:
        """Delete every file of this batch, promoted or not (the transaction failed)."""
        for sink in self.sinks:
            sink.abort()
        for path in self.promoted:
            path.unlink(missing_ok=True)
        self.promoted.clear()
        settle(self.upload_dir)


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
