"""Keys of intake, each derived for one purpose from the server's secret key.

One secret, many keys: HKDF-SHA256 with a distinct `info` label per purpose, so a key
leaked from one use (say, rate-limit hashing) tells nothing about another (receipts).
The master key that wraps the per-submission data keys comes from `ENCRYPTION_KEY`
when it is set, so the secret key can be rotated without losing encrypted data; the
search key of the blind index is derived from the master key, so the index and the
texts it points to always go together.
Rotating the secret key invalidates every receipt (their hashes are keyed by it).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"minsheng-intake-v1"


def hkdf(secret: bytes, label: str, length: int = 32) -> bytes:
    """Derive `length` bytes from `secret` for the purpose named by `label`."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=label.encode()).derive(secret)


@dataclass(frozen=True)
class IntakeKeys:
    """All keys intake uses; build once per app with `IntakeKeys.from_secrets`."""

    receipt: bytes  # HMAC(nonce) -> receipt digits
    receipt_hash: bytes  # HMAC(receipt) -> stored lookup hash
    idempotency: bytes  # HMAC(nonce) -> stored idempotency hash
    form_nonce: bytes  # itsdangerous secret for the signed form nonces
    proof: bytes  # HMAC of proof-of-submission statements
    ratelimit: bytes  # root of the daily rate-limit keys
    handover: bytes  # HMAC(nonce, browser) -> the token that shows a receipt once
    master: bytes  # wraps the per-submission data keys
    search: bytes  # HMAC of search tokens (the blind index), derived from the master key
    previous_master: bytes | None = None  # during a key rotation: opens what is not re-wrapped

    @classmethod
    def from_secrets(cls, secret_key: str, encryption_key: str = "",
                     previous_encryption_key: str = "") -> IntakeKeys:
        """Derive every key from the secret key (the master key from ENCRYPTION_KEY if set).

        `previous_encryption_key` is the master key's source before a rotation.
        """
        root = secret_key.encode()
        master_root = encryption_key.encode() if encryption_key else root
        previous = (hkdf(previous_encryption_key.encode(), "intake/master-key")
                    if previous_encryption_key else None)
        master = hkdf(master_root, "intake/master-key")
        return cls(
            receipt=hkdf(root, "intake/receipt"),
            receipt_hash=hkdf(root, "intake/receipt-hash"),
            idempotency=hkdf(root, "intake/idempotency"),
            form_nonce=hkdf(root, "intake/form-nonce"),
            proof=hkdf(root, "intake/proof"),
            ratelimit=hkdf(root, "intake/ratelimit"),
            handover=hkdf(root, "intake/receipt-handover"),
            master=master,
            search=hkdf(master, "intake/search-index"),
            previous_master=previous,
        )

    def ratelimit_key_for(self, day: date) -> bytes:
        """The rate-limit key of one day: it changes at midnight (UTC)."""
        return hmac.new(self.ratelimit, day.isoformat().encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:  # never print key material in logs or tracebacks
        return "IntakeKeys(<redacted>)"
