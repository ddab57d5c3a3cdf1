"""Staff evidence files of the ledger: typed by content, stripped of metadata, stored
under `<upload_dir>/ledger/`, each attachment on its own under a random name.

Never under a content hash: the same notice attached to several entries (of one unit or
of several) must store twice, never collide, and never tell a handler of one unit that
another unit holds the same bytes. Names made by earlier versions (64 hex digits, the
hash of the content) stay readable.

They reuse intake's content typing and metadata cleaners but not its encryption: intake
keys are per submission and exist to protect citizens; ledger evidence is staff material
about units, never served to the public, guarded by role checks. Files are written
before the row is committed; a crash leaves at worst an orphan file, never a row
without its file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from moderation.intake.errors import FileRejected
from moderation.intake.filetypes import SNIFF_BYTES, check_extension, detect
from moderation.intake.sanitize import SanitizeCaps, sanitize

FOLDER = "ledger"
NAME_PATTERN = re.compile(r"[0-9a-f]{32}(?:[0-9a-f]{32})?\.[a-z0-9]{1,10}")
DISPLAY_MAX = 200
DEFAULT_CAPS = SanitizeCaps()


@dataclass(frozen=True)
class StoredEvidence:
    stored_name: str
    display_name: str
    media_type: str
    size: int
    sha256: str
    metadata_status: str


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C")
    return base.strip()[:DISPLAY_MAX] or "file"


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)


def store_evidence(upload_dir: Path, data: bytes, name: str,
                   caps: SanitizeCaps = DEFAULT_CAPS) -> StoredEvidence:
    """Check, clean and store one file; raises intake's FileRejected when refused."""
    if not data:
        raise FileRejected("empty")
    file_type = detect(data[:SNIFF_BYTES], BytesIO(data), is_text=_is_text(data))
    check_extension(name, file_type)
    out = BytesIO()
    status = sanitize(file_type, BytesIO(data), len(data), out, caps)
    clean = out.getvalue()
    digest = hashlib.sha256(clean).hexdigest()
    stored_name = f"{secrets.token_hex(16)}.{file_type.extension}"
    folder = Path(upload_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(clean)
        os.replace(tmp, folder / stored_name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredEvidence(stored_name, _display_name(name), file_type.media_type, len(clean),
                          digest, status.value)


def evidence_path(upload_dir: Path, stored_name: str) -> Path | None:
    """The stored file, or None when the name is malformed or the file is gone."""
    if not NAME_PATTERN.fullmatch(stored_name or ""):
        return None
    path = Path(upload_dir) / FOLDER / stored_name
    return path if path.is_file() else None
