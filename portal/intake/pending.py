"""Drafts: a form's fields and files, kept encrypted between the form and its "Send".

The first POST of a form streams its files into an upload batch in a folder of its own
(`pending/u-<random>`). Once the form is valid, the folder gets a name derived from the
form's signed nonce (`pending/d-<HMAC>`) and a manifest: the fields, the files' details
and the batch's data key, sealed with a key derived from the same nonce. The server keeps
neither the nonce nor that key: only the citizen's confirmation page can open the draft.

"Send" claims the draft by renaming its folder (one request wins a double click), moves
the files next to the stored ones and hands them to the domain, which promotes them just
before the commit. Drafts are deleted after sending, and after a day at the latest.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
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
UPLOADING = "u-"
DRAFT = "d-"
SENDING = ".sending-"


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
        """Take the draft for sending; None if there is none (or another request has it)."""
        final = self.folder(nonce)
        claimed = final.with_name(final.name + SENDING + secrets.token_hex(8))
        try:
            os.rename(final, claimed)
        except OSError:
            return None
        finally:
            settle(self.root)
        draft = self._read(claimed, nonce)
        if draft is None:
            _rmtree(claimed)
            return None
        return Claim(claimed, final, draft)

    def being_sent(self, nonce: bytes) -> bool:
        """True while another request is sending this form's draft."""
        prefix = self.folder(nonce).name + SENDING
        with settled(self.root):  # listing a folder stamps its access time
            return self.root.is_dir() and any(p.name.startswith(prefix)
                                              for p in list_quietly(self.root))

    def discard(self, nonce: bytes) -> None:
        _rmtree(self.folder(nonce))

    def clean(self, *, incomplete_older_than: timedelta = timedelta(days=1),
              now: float | None = None) -> int:
        """Delete drafts older than the maximum age, and unfinished uploads or sends."""
        if not self.root.is_dir():
            return 0
        moment = time.time() if now is None else now
        removed = 0
        with settled(self.root):
            for path in list_quietly(self.root):
                removed += self._clean_one(path, moment, incomplete_older_than)
        return removed

    def _clean_one(self, path: Path, moment: float, incomplete_older_than: timedelta) -> int:
        if path.name.startswith(DRAFT) and SENDING not in path.name:
            stale = _age(path / MANIFEST, moment) > self.max_age.total_seconds()
        else:
            stale = _age(path, moment) >= incomplete_older_than.total_seconds()
        if not stale:
            return 0
        if path.is_dir():
            _rmtree(path)
        else:
            path.unlink(missing_ok=True)
        return 1


@dataclass
class Claim:
    """A draft taken for sending: release it on failure, discard it on success."""

    folder: Path
    home: Path
    draft: Draft

    def release(self) -> None:
        """Put the draft back so the citizen can try again or change it."""
        try:
            os.rename(self.folder, self.home)
        except OSError:
            _rmtree(self.folder)
        settle(self.home, self.home.parent)

    def discard(self) -> None:
        _rmtree(self.folder)


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

    Its files are moved next to the stored ones first (so promotion is a rename in one
    folder); on abort, files not yet promoted go back to the draft for another try.
    """

    def __init__(self, upload_dir: Path, claim: Claim, limits: UploadLimits) -> None:
        super().__init__(upload_dir, claim.draft.envelope, limits)
        self.claim = claim
        self.finished = list(claim.draft.files)
        self.moved: list[StoredUpload] = []
        for upload in self.finished:
            os.replace(part_path(claim.folder, upload), part_path(self.upload_dir, upload))
            self.moved.append(upload)
        settle(claim.folder, self.upload_dir)

    def abort(self) -> None:
        for path in self.promoted:
            path.unlink(missing_ok=True)
        self.promoted.clear()
        for upload in self.moved:
            with contextlib.suppress(OSError):
                os.replace(part_path(self.upload_dir, upload), part_path(self.claim.folder, upload))
        self.moved.clear()
        settle(self.claim.folder, self.upload_dir)
