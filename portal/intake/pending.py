"""Drafts: a form's fields and files, kept encrypted between the form and its "Send".

The first POST of a form streams its files into an upload batch in a folder of its own
(`pending/u-<random>`). Once the form is valid, the folder gets a name derived from the
form's signed nonce (`pending/d-<HMAC>`) and a manifest: the fields, the files' details
and the batch's data key, sealed with a key derived from the same nonce. The server keeps
neither the nonce nor that key: only the citizen's confirmation page can open the draft.

"Send" claims the draft by locking it (`flock`) and renaming its folder (one request wins
a double click), and hands its files to the domain, which promotes them into the upload
folder just before the commit. Drafts are deleted after sending, and after a day at the
latest.

A crash during "Send" leaves the claimed folder behind, still holding the draft. Its
lock died with the process, so the citizen's next "Send" takes it over and completes
with the same receipt (or finds the submission already committed and shows its receipt).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from moderation.intake.crypto import (
    DecryptingReader,
    DecryptionFailed,
    EncryptingWriter,
    file_key,
    open_sealed,
    seal,
)
from moderation.intake.files import (
    Envelope,
    StoredUpload,
    UploadBatch,
    UploadLimits,
    file_context,
    fsync_dir,
)
from moderation.intake.filetimes import (
    list_quietly,
    open_quietly,
    read_quietly,
    remove_tree,
    settle,
    settle_tree,
    settled,
)
from moderation.intake.models import MetadataStatus
from portal.intake.config import IntakeConfig

MANIFEST = "manifest.bin"
LOCK = "lock"
UPLOADING = "u-"
DRAFT = "d-"
SENDING = ".sending-"
HOUR = 3600


@dataclass
class Draft:
    """A filled-in form waiting for confirmation."""

    kind: str  # "tip" or "suggestion"
    reference: str
    data_key: bytes = field(repr=False)
    values: dict[str, str]  # what the citizen typed, to fill the form again on "Change"
    data: dict[str, Any]  # the cleaned input the domain will receive
    files: list[StoredUpload] = field(default_factory=list)

    @property
    def envelope(self) -> Envelope:
        return Envelope(self.reference, self.data_key)

    def to_json(self) -> bytes:
        payload = {"kind": self.kind, "reference": self.reference,
                   "data_key": base64.b64encode(self.data_key).decode(),
                   "values": self.values, "data": self.data,
                   "files": [asdict(f) for f in self.files]}
        return json.dumps(payload, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Draft:
        payload = json.loads(raw.decode())
        files = [StoredUpload(**{**f, "metadata_status": MetadataStatus(f["metadata_status"])})
                 for f in payload["files"]]
        return cls(payload["kind"], payload["reference"],
                   base64.b64decode(payload["data_key"]), payload["values"],
                   payload["data"], files)


def part_path(folder: Path, upload: StoredUpload) -> Path:
    """Where the domain's upload batch keeps a cleaned, not yet promoted file."""
    return folder / f"tmp-{upload.stored_name.removesuffix('.enc')}.part"


def _rmtree(path: Path) -> None:
    remove_tree(path)


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


class PendingStore:
    """Drafts under `<upload dir>/pending`, each in a folder of its own."""

    def __init__(self, config: IntakeConfig) -> None:
        self.root = config.pending_dir
        self.key = config.pending_key
        self.max_age = config.pending_max_age

    def _mac(self, label: bytes, nonce: bytes) -> bytes:
        return hmac.new(self.key, label + b"|" + nonce, hashlib.sha256).digest()

    def folder(self, nonce: bytes) -> Path:
        return self.root / (DRAFT + self._mac(b"folder", nonce).hex()[:32])

    def new_upload_folder(self) -> Path:
        """A fresh folder for the files of one POST."""
        path = self.root / (UPLOADING + secrets.token_hex(16))
        path.mkdir(parents=True)
        settle(path, self.root, self.root.parent)
        return path

    def _read(self, folder: Path, nonce: bytes) -> Draft | None:
        try:
            blob = read_quietly(folder / MANIFEST)
            plain = open_sealed(self._mac(b"key", nonce), blob, "pending/manifest")
            return Draft.from_json(plain.rstrip(b" "))
        except (OSError, DecryptionFailed, ValueError, KeyError, TypeError):
            return None

    def load(self, nonce: bytes) -> Draft | None:
        """The draft of this form, if there is one."""
        return self._read(self.folder(nonce), nonce)

    def save(self, nonce: bytes, draft: Draft, upload_folder: Path, previous: Draft | None,
             kept: list[StoredUpload]) -> None:
        """Store `draft` (new files in `upload_folder`, `kept` from the previous draft)."""
        final = self.folder(nonce)
        for upload in kept:
            assert previous is not None
            if previous.reference == draft.reference:
                os.replace(part_path(final, upload), part_path(upload_folder, upload))
            else:
                rebind(upload, final, previous.envelope, upload_folder, draft.envelope)
        sealed = seal(self._mac(b"key", nonce), draft.to_json(), "pending/manifest", pad_to=256)
        temporary = upload_folder / (MANIFEST + ".new")
        temporary.write_bytes(sealed)
        os.replace(temporary, upload_folder / MANIFEST)
        _rmtree(final)
        try:
            os.rename(upload_folder, final)
        except OSError:  # a twin request saved the same form meanwhile: the last one wins
            _rmtree(final)
            os.rename(upload_folder, final)
        settle_tree(final)
        settle(self.root)

    def claim(self, nonce: bytes) -> Claim | None:
        """Take the draft for sending; None if there is none (or another request has it).

        A draft left claimed by a process that died meanwhile (its lock is free) is taken
        over, so a crash during "Send" does not lose the form.
        """
        final = self.folder(nonce)
        for candidate in self._candidates(final, nonce):
            lock = _try_lock(candidate)
            if lock is None:
                continue
            claimed = final.with_name(final.name + SENDING + secrets.token_hex(8))
            try:
                os.rename(candidate, claimed)
            except OSError:
                os.close(lock)
                continue
            finally:
                settle(self.root)
            draft = self._read(claimed, nonce)
            if draft is None:
                os.close(lock)
                _rmtree(claimed)
                return None
            return Claim(claimed, final, draft, lock)
        return None

    def _candidates(self, final: Path, nonce: bytes) -> Iterator[Path]:
        """The draft's folder, then the claimed ones of a dead sender: those are listed
        only when needed, since listing reads every draft's name."""
        yield final
        yield from self._claimed(nonce)

    def _claimed(self, nonce: bytes) -> list[Path]:
        prefix = self.folder(nonce).name + SENDING
        if not self.root.is_dir():
            return []
        with settled(self.root):  # listing a folder stamps its access time
            return [p for p in list_quietly(self.root) if p.name.startswith(prefix)]

    def being_sent(self, nonce: bytes) -> bool:
        """True while another living request is sending this form's draft."""
        return any(_locked(path) for path in self._claimed(nonce))

    def discard(self, nonce: bytes) -> None:
        _rmtree(self.folder(nonce))

    def clean(self, *, incomplete_older_than: timedelta = timedelta(days=1),
              now: float | None = None) -> int:
        """Delete drafts past the maximum age and uploads unfinished for a while.

        Several workers share this folder: an upload younger than `incomplete_older_than`
        may be in flight in another one, and a claimed draft whose lock is held is being
        sent. A claimed draft whose sender died stays, like any draft, for a day, so the
        citizen's next "Send" can complete it.
        """
        if not self.root.is_dir():
            return 0
        moment = time.time() if now is None else now
        removed = 0
        with settled(self.root):
            for path in list_quietly(self.root):
                removed += self._clean_one(path, moment, incomplete_older_than)
        return removed

    def _clean_one(self, path: Path, moment: float, incomplete_older_than: timedelta) -> int:
        # File times are kept only to the hour (see moderation.intake.filetimes): an hour
        # of slack, so that work in flight never looks older than it is (none when the
        # caller asks for everything unfinished to go).
        slack = HOUR if incomplete_older_than.total_seconds() > 0 else 0
        if path.name.startswith(DRAFT):
            stale = _age(path / MANIFEST, moment) > self.max_age.total_seconds() + HOUR \
                and not (SENDING in path.name and _locked(path))
        else:
            stale = _age(path, moment) >= incomplete_older_than.total_seconds() + slack
        if not stale:
            return 0
        if path.is_dir():
            _rmtree(path)
        else:
            path.unlink(missing_ok=True)
        return 1


def _try_lock(folder: Path) -> int | None:
    """An exclusive lock on the draft in `folder` (a file descriptor), or None."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _locked(folder: Path) -> bool:
    """True if a living process holds the lock of the draft in `folder`."""
    fd = _try_lock(folder)
    if fd is None:
        return (folder / LOCK).exists()
    os.close(fd)
    return False


@dataclass
class Claim:
    """A draft taken for sending: release it on failure, discard it on success."""

    folder: Path
    home: Path
    draft: Draft
    lock: int | None = None

    def _unlock(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None

    def release(self) -> None:
        """Put the draft back so the citizen can try again or change it."""
        try:
            os.rename(self.folder, self.home)
        except OSError:
            _rmtree(self.folder)
        settle(self.home, self.home.parent)
        self._unlock()

    def discard(self) -> None:
        _rmtree(self.folder)
        self._unlock()


def rebind(upload: StoredUpload, source: Path, old: Envelope, target: Path,
           new: Envelope) -> None:
    """Re-encrypt a kept file under another batch's key, chunk by chunk (no plaintext)."""
    name = upload.stored_name
    with open_quietly(part_path(source, upload)) as src, \
            open(part_path(target, upload), "xb") as dst:
        reader = DecryptingReader(src, file_key(old.data_key, name),
                                  file_context(old.reference, name))
        writer = EncryptingWriter(dst, file_key(new.data_key, name),
                                  file_context(new.reference, name))
        for chunk in reader.chunks():
            writer.write(chunk)
        writer.finish()
        dst.flush()
        os.fsync(dst.fileno())
    part_path(source, upload).unlink(missing_ok=True)
    settle(part_path(target, upload), source, target)


class ResumedBatch(UploadBatch):
    """A claimed draft's files as an upload batch the domain can promote or abort.

    The files stay in the claimed folder until promotion renames them into the upload
    folder (same file system, so each rename is atomic). A file an interrupted earlier
    attempt had already promoted, without a commit, is taken back first.
    """

    def __init__(self, upload_dir: Path, claim: Claim, limits: UploadLimits) -> None:
        super().__init__(upload_dir, claim.draft.envelope, limits)
        self.claim = claim
        self.finished = list(claim.draft.files)
        for upload in self.finished:
            part = part_path(claim.folder, upload)
            if not part.exists():
                for left in (self.upload_dir / upload.stored_name,
                             part_path(self.upload_dir, upload)):
                    if left.exists():
                        os.replace(left, part)
                        break
            part.stat()  # OSError if the file is gone: the caller gives the form back
        settle(claim.folder, self.upload_dir)

    def promote(self) -> None:
        if not self.finished:
            return
        for upload in self.finished:
            final = self.upload_dir / upload.stored_name
            os.replace(part_path(self.claim.folder, upload), final)
            self.promoted.append(final)
        settle(self.claim.folder, *self.promoted, self.upload_dir)
        fsync_dir(self.upload_dir)

    def abort(self) -> None:
        for upload in self.finished:
            final = self.upload_dir / upload.stored_name
            with contextlib.suppress(OSError):
                os.replace(final, part_path(self.claim.folder, upload))
        self.promoted.clear()
        settle(self.claim.folder, self.upload_dir)
