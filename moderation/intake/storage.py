"""Reading stored files back, erasing a submission, and cleaning leftovers at start-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.intake.crypto import (
    DecryptingReader,
    DecryptionFailed,
    file_key,
    open_sealed,
    seal,
    unwrap_key,
)
from moderation.intake.files import file_context
from moderation.intake.filetimes import list_quietly, open_quietly, settle, settled
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission, SubmissionFile
from moderation.queue.models import SubmissionSearch
from moderation.roles import Actor


@dataclass(frozen=True)
class Contact:
    """Real-name contact details (decrypted only for roles allowed to see them)."""

    name: str = ""
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email)


def data_key_of(keys: IntakeKeys, submission: Submission) -> bytes:
    """Unwrap a submission's data key (DecryptionFailed once erased).

    During a key rotation, a key not yet re-wrapped opens with the previous master key.
    """
    try:
        return unwrap_key(keys.master, submission.wrapped_key, submission.reference)
    except DecryptionFailed:
        if keys.previous_master is None or submission.wrapped_key is None:
            raise
        return unwrap_key(keys.previous_master, submission.wrapped_key, submission.reference)


def seal_contact(data_key: bytes, reference: str, contact: Contact) -> bytes:
    """Encrypt contact details, padded to 64-byte blocks so length says little."""
    payload = json.dumps({"name": contact.name, "phone": contact.phone, "email": contact.email},
                         ensure_ascii=False, separators=(",", ":")).encode()
    return seal(data_key, payload, f"{reference}/contact", pad_to=64)


def contact_of(keys: IntakeKeys, submission: Submission) -> Contact | None:
    """The decrypted contact details, or None (anonymous). Callers audit each view."""
    if submission.contact_sealed is None:
        return None
    plain = open_sealed(data_key_of(keys, submission), submission.contact_sealed,
                        f"{submission.reference}/contact")
    values = json.loads(plain.decode().rstrip(" "))
    return Contact(**{k: str(values.get(k, "")) for k in ("name", "phone", "email")})


def seal_display_name(data_key: bytes, reference: str, stored_name: str, name: str) -> bytes:
    """Encrypt a file's display name, bound to the file."""
    return seal(data_key, name.encode(), f"{reference}/name/{stored_name}", pad_to=32)


def display_name_of(keys: IntakeKeys, submission: Submission, row: SubmissionFile) -> str:
    """The file's sanitised original name."""
    plain = open_sealed(data_key_of(keys, submission), row.display_name_sealed,
                        f"{submission.reference}/name/{row.stored_name}")
    return plain.decode().rstrip(" ")


@contextmanager
def open_stored(upload_dir: Path, keys: IntakeKeys, submission: Submission,
                row: SubmissionFile) -> Iterator[DecryptingReader]:
    """A seekable plaintext view of a stored file; iterate `.chunks()` to stream it."""
    key = file_key(data_key_of(keys, submission), row.stored_name)
    with open_quietly(Path(upload_dir) / row.stored_name) as fh:
        yield DecryptingReader(fh, key, file_context(submission.reference, row.stored_name))


def check_readable(upload_dir: Path, keys: IntakeKeys, submission: Submission,
                   row: SubmissionFile) -> None:
    """Raise DecryptionFailed (or OSError) unless the file's first and last chunks open.

    Run before a download's first byte: a wrong key or a truncated file is then a clean
    error page, not a response that breaks off after its headers.
    """
    with open_stored(upload_dir, keys, submission, row) as reader:
        reader.seek(0)
        reader.read(1)
        if reader.size > 1:
            reader.seek(reader.size - 1)
            reader.read(1)


def erase(session: Session, submission: Submission, upload_dir: Path, actor: Actor, *,
          clock: Clock = system_clock) -> None:
    """Crypto-erase a submission: drop its key, its search row and its files.

    Everything the citizen wrote or sent (text, follow-ups, contacts, file names, file
    contents) becomes unreadable at once; the workflow fields stay for the statistics.
    Audited; caller commits.
    """

    files = list(session.exec(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id)))
    submission.wrapped_key = None
    submission.contact_sealed = None
    submission.erased_at = clock().replace(minute=0, second=0, microsecond=0)
    submission.version += 1
    session.add(submission)
    search_row = session.get(SubmissionSearch, submission.id)
    if search_row is not None:
        session.delete(search_row)  # the blind index would still say which words it had
    record(session, actor, "submission.erase", "submission", submission.id,
           after={"reference": submission.reference, "files": len(files)}, clock=clock)
    session.flush()
    for row in files:
        (Path(upload_dir) / row.stored_name).unlink(missing_ok=True)
    settle(upload_dir)


@dataclass(frozen=True)
class CleanReport:
    temporary: int
    orphans: int


def clean_leftovers(upload_dir: Path, session: Session, *, older_than: timedelta = timedelta(0),
                    clock: Clock = system_clock) -> CleanReport:
    """Delete in-flight temp files and stored files without a committed row.

    Run at start-up. With several workers sharing the folder, pass `older_than`
    (e.g. one hour) so uploads in flight in another worker are left alone.
    """
    folder = Path(upload_dir)
    if not folder.is_dir():
        return CleanReport(0, 0)
    cutoff = (clock() - older_than).timestamp()
    with settled(folder):  # listing and deleting stamp the folder
        return _clean_folder(folder, session, cutoff, older_than)


def _clean_folder(folder: Path, session: Session, cutoff: float,
                  older_than: timedelta) -> CleanReport:
    temporary, stored = 0, []
    for path in list_quietly(folder):
        if not path.is_file() or (older_than and path.stat().st_mtime > cutoff):
            continue
        if path.name.startswith("tmp-"):
            path.unlink(missing_ok=True)
            temporary += 1
        elif path.name.endswith(".enc"):
            stored.append(path)
    orphans = 0
    for start in range(0, len(stored), 500):
        batch = stored[start:start + 500]
        known = set(session.exec(select(SubmissionFile.stored_name).where(
            SubmissionFile.stored_name.in_([p.name for p in batch]))))  # type: ignore[attr-defined]
        for path in batch:
            if path.name not in known:
                path.unlink(missing_ok=True)
                orphans += 1
    return CleanReport(temporary, orphans)

