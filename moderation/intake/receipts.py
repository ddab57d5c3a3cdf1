"""Receipt codes, the signed form nonce they are derived from, and their keyed hashes.

A receipt is 24 random decimal digits and a Damm check digit (≈80 bits, 25 digits),
shown as five groups of five (`12345-67890-…`): digits are easy to read aloud in Chinese
and to type on any keypad. It is never stored: the database keeps `receipt_hash`, an HMAC.
Codes issued before (31 random digits and a check digit, 32 in all) keep working: the
parser accepts both lengths and the hash is of the plain digits either way.

Idempotency: every form carries a server-signed random nonce. The receipt is derived
from it, HMAC(receipt key, nonce), so a retried POST recomputes the same receipt and
finds the submission it already created by `idempotency_hash` (another HMAC of it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from moderation.clock import Clock, system_clock
from moderation.intake.errors import FormTokenInvalid
from moderation.intake.keys import IntakeKeys

RANDOM_DIGITS = 24
RECEIPT_DIGITS = RANDOM_DIGITS + 1
LEGACY_DIGITS = 32  # 31 random + check: codes issued before the 25-digit format
GROUP = 5
NONCE_BYTES = 32
FORM_MAX_AGE_SECONDS = 24 * 3600

# Damm's totally anti-symmetric quasigroup of order 10: detects every single-digit error
# and every transposition of adjacent digits.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2), (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9), (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8), (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4), (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5), (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The Damm check digit of a string of ASCII digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return str(interim)


def _with_check(random_digits: str) -> str:
    return random_digits + damm_digit(random_digits)


def random_receipt() -> str:
    """A fresh receipt (25 plain digits) from the system CSPRNG."""
    return _with_check(f"{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}")


def derive_receipt(keys: IntakeKeys, nonce: bytes) -> str:
    """The receipt (25 plain digits) of a form nonce: HMAC mapped to 24 digits + check."""
    mac = hmac.new(keys.receipt, nonce, hashlib.sha256).digest()
    # 256 bits reduced mod 10^24 (~80 bits): the bias is below 2^-170.
    number = int.from_bytes(mac, "big") % 10**RANDOM_DIGITS
    return _with_check(f"{number:0{RANDOM_DIGITS}d}")


def receipt_groups(receipt: str) -> list[str]:
    """A receipt's digits in groups of five (a legacy 32-digit code: groups of four)."""
    size = GROUP if len(receipt) == RECEIPT_DIGITS else 4
    return [receipt[i:i + size] for i in range(0, len(receipt), size)]


def format_receipt(receipt: str) -> str:
    """Show a receipt as five dash-separated groups of five digits."""
    return "-".join(receipt_groups(receipt))


def parse_receipt(text: str) -> str | None:
    """Normalise user input to plain digits (25, or 32 for a legacy code), or None if
    it is not a valid receipt.

    Lenient about spaces, dashes and full-width digits (０-９); the check digit is
    verified here, so a mistyped code never reaches the database.
    """
    if not text or len(text) > 200:
        return None
    kept = []
    for ch in unicodedata.normalize("NFKC", text):
        if "0" <= ch <= "9":
            kept.append(ch)
        elif not (ch.isspace() or ch in "-‐‑‒–—―_.·"):
            return None
    digits = "".join(kept)
    if len(digits) not in (RECEIPT_DIGITS, LEGACY_DIGITS) or damm_digit(digits) != "0":
        return None
    return digits


def receipt_hash(keys: IntakeKeys, receipt: str) -> str:
    """The stored, keyed hash of a receipt (hex)."""
    return hmac.new(keys.receipt_hash, receipt.encode(), hashlib.sha256).hexdigest()


def idempotency_hash(keys: IntakeKeys, nonce: bytes) -> str:
    """The stored, keyed hash of a form nonce (hex)."""
    return hmac.new(keys.idempotency, nonce, hashlib.sha256).hexdigest()


def hashes_match(a: str, b: str) -> bool:
    """Constant-time comparison of two hex hashes."""
    return hmac.compare_digest(a.encode(), b.encode())


# --- the signed form nonce -------------------------------------------------------------

def _serializer(keys: IntakeKeys, purpose: str, clock: Clock) -> URLSafeTimedSerializer:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock().timestamp())

    return URLSafeTimedSerializer(keys.form_nonce, salt=f"minsheng.intake.nonce.{purpose}",
                                  signer=ClockSigner)


def issue_form_nonce(keys: IntakeKeys, purpose: str, clock: Clock = system_clock) -> str:
    """A signed, random nonce to put in a form (hidden field); `purpose` e.g. "tip"."""
    return str(_serializer(keys, purpose, clock).dumps(secrets.token_hex(NONCE_BYTES)))


def sign_form_nonce(keys: IntakeKeys, purpose: str, nonce: bytes,
                    clock: Clock = system_clock) -> str:
    """A form token carrying a chosen nonce: reproducible demo data gets the same
    receipts on every load. Real forms use `issue_form_nonce` (a random nonce)."""
    if len(nonce) != NONCE_BYTES:
        raise ValueError("a form nonce has 32 bytes")
    return str(_serializer(keys, purpose, clock).dumps(nonce.hex()))


def open_form_nonce(keys: IntakeKeys, token: str, purpose: str, clock: Clock = system_clock,
                    max_age: int = FORM_MAX_AGE_SECONDS) -> bytes:
    """Check a form nonce's signature, purpose and age; return the raw nonce.

    Raises `FormTokenInvalid` (with `expired=True` when only the age is wrong).
    """
    if not token or len(token) > 500:
        raise FormTokenInvalid(expired=False)
    try:
        value = _serializer(keys, purpose, clock).loads(token, max_age=max_age)
    except SignatureExpired:
        raise FormTokenInvalid(expired=True) from None
    except BadSignature:
        raise FormTokenInvalid(expired=False) from None
    if not isinstance(value, str) or len(value) != NONCE_BYTES * 2:
        raise FormTokenInvalid(expired=False)
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise FormTokenInvalid(expired=False) from None
