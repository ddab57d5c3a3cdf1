"""Proof of submission: a signed statement of reference, day received and content hash.

The citizen can keep the proof (a single line of text) and anyone can check it later
on the public verify page. Format, all ASCII:

    MSP1.<reference>.<YYYY-MM-DD>.<sha256 of the canonical content>.<HMAC, 32 hex>

Parsing is strict (lower-case hex, exact layout), so changing any one character makes
verification fail. The content hash covers what the citizen sent (text fields and the
hashes of their files as uploaded) but never the contact details, so the hash cannot
be used to confirm a guessed phone number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from moderation.intake.keys import IntakeKeys

VERSION = "MSP1"
_TOKEN = re.compile(
    r"MSP1\.(MS-[0-9A-Z]{4}-[0-9A-Z]{4})\.(\d{4}-\d{2}-\d{2})\.([0-9a-f]{64})\.([0-9a-f]{32})")


@dataclass(frozen=True)
class ProofStatement:
    """What a proof says: this reference was received on this day with this content."""

    reference: str
    received_on: date
    content_sha256: str

    def _message(self) -> bytes:
        return "|".join((VERSION, self.reference, self.received_on.isoformat(),
                         self.content_sha256)).encode()


def canonical_content(fields: Mapping[str, object], file_sha256s: Sequence[str] = ()) -> bytes:
    """The canonical bytes hashed for the proof: sorted JSON, NFC-normalised text."""
    def norm(value: object) -> object:
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value

    payload = {key: norm(value) for key, value in fields.items()}
    payload["files"] = sorted(file_sha256s)
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def content_sha256(fields: Mapping[str, object], file_sha256s: Sequence[str] = ()) -> str:
    """Hex SHA-256 of `canonical_content`."""
    return hashlib.sha256(canonical_content(fields, file_sha256s)).hexdigest()


def _mac(keys: IntakeKeys, statement: ProofStatement) -> str:
    return hmac.new(keys.proof, statement._message(), hashlib.sha256).hexdigest()[:32]


def make_proof(keys: IntakeKeys, statement: ProofStatement) -> str:
    """The signed, one-line proof token of a statement."""
    return ".".join((VERSION, statement.reference, statement.received_on.isoformat(),
                     statement.content_sha256, _mac(keys, statement)))


def verify_proof(keys: IntakeKeys, token: str) -> ProofStatement | None:
    """The statement if the token is genuine and unaltered, else None."""
    match = _TOKEN.fullmatch((token or "").strip()[:200])
    if not match:
        return None
    reference, day, digest, mac = match.groups()
    try:
        statement = ProofStatement(reference, date.fromisoformat(day), digest)
    except ValueError:
        return None
    if not hmac.compare_digest(_mac(keys, statement), mac):
        return None
    return statement
