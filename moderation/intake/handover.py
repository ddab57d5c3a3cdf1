"""Receipt handover: a receipt is shown once, and only to the browser that sent the form.

After a successful Send the web layer answers with a redirect to a receipt page. What
links the two is a handover: a short-lived row found by the hash of a token that only the
sending browser can present, because the token is derived from the form nonce *and* that
browser's own secret (its CSRF cookie). The row holds the form nonce sealed under the
token, and what the receipt page will show of the submission (so that page needs no
query); showing the receipt deletes the row.

- A Send retried by the same browser within the window (the first answer was lost)
  derives the same token, finds the row and is sent to the receipt page again.
- The same form posted from another browser, after the window, or after the receipt was
  shown derives another token or finds nothing: "already sent", never the code.

The row keeps an expiry finer than the hour, like the rate-limit counters: it lives
minutes, and without the token nothing in it links it to a submission.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, bindparam, text
from sqlmodel import Field, Session, SQLModel

from moderation.clock import AtMostEvery, Clock, system_clock
from moderation.intake.crypto import DecryptionFailed, open_sealed, seal
from moderation.intake.keys import IntakeKeys, hkdf
from moderation.intake.receipts import NONCE_BYTES
from moderation.sqltypes import UTCDateTime, utc_field

HANDOVER_MINUTES = 10
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")
_CONTEXT = "intake/receipt-handover"


class ReceiptHandover(SQLModel, table=True):
    """A receipt waiting to be shown once to the browser that sent its form."""

    token_hash: str = Field(max_length=64, primary_key=True)
    nonce_sealed: bytes
    expires_at: datetime = utc_field(index=True)


def handover_token(keys: IntakeKeys, nonce: bytes, browser_secret: str) -> str:
    """The token of one form sent from one browser (64 hex digits)."""
    message = nonce + b"\x00" + browser_secret.encode()
    return hmac.new(keys.handover, message, hashlib.sha256).hexdigest()


def _row_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _seal_key(token: str) -> bytes:
    return hkdf(bytes.fromhex(token), _CONTEXT)


# Expired handovers are purged at most once a minute per process: on every Send the
# purge cost as much as the handover itself.
_PURGE = AtMostEvery(timedelta(minutes=1))

# Written once, as text (CPU per citizen counts at a peak); both databases read them.
_INSERT = text(
    "INSERT INTO receipthandover (token_hash, nonce_sealed, expires_at) "
    "VALUES (:token_hash, :nonce_sealed, :expires_at) ON CONFLICT (token_hash) DO NOTHING"
).bindparams(bindparam("expires_at", type_=UTCDateTime()))
_TAKE = text(
    "DELETE FROM receipthandover WHERE token_hash = :token_hash "
    "RETURNING nonce_sealed, expires_at"
).columns(nonce_sealed=LargeBinary(), expires_at=UTCDateTime())


def _purge_if_due(session: Session, now: datetime) -> None:
    if _PURGE.due(now):
        session.execute(ReceiptHandover.__table__.delete().where(  # type: ignore[attr-defined]
            ReceiptHandover.__table__.c.expires_at <= now))  # type: ignore[attr-defined]


def start_handover(session: Session, keys: IntakeKeys, nonce: bytes, browser_secret: str,
                   clock: Clock = system_clock, shown: bytes = b"") -> str:
    """Record that this browser may be shown the receipt of this form; returns the token.

    `shown`: what the receipt page will show of the submission, in the caller's own
    encoding, sealed with the nonce (`take_handover_and_shown` gives it back). Call in
    the transaction that stores the submission, so that a stored submission always has
    its handover. Does not commit.
    """
    now = clock()
    _purge_if_due(session, now)
    token = handover_token(keys, nonce, browser_secret)
    session.execute(_INSERT, {
        "token_hash": _row_key(token), "expires_at": now + timedelta(minutes=HANDOVER_MINUTES),
        "nonce_sealed": seal(_seal_key(token), nonce + shown, _CONTEXT)})
    return token


def resume_handover(session: Session, keys: IntakeKeys, nonce: bytes, browser_secret: str,
                    clock: Clock = system_clock) -> str | None:
    """The token of a form already sent, if this browser may still see its receipt."""
    token = handover_token(keys, nonce, browser_secret)
    row = session.get(ReceiptHandover, _row_key(token))
    if row is None or row.expires_at <= clock():
        return None
    return token


def take_handover_and_shown(session: Session, token: str,
                            clock: Clock = system_clock) -> tuple[bytes, bytes] | None:
    """The form nonce of a handover, which is deleted (the receipt is shown once), and
    what `start_handover` was given to show (b"" if nothing).

    None when the token is malformed, unknown, expired or already used. Does not commit.
    """
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    row = session.execute(_TAKE, {"token_hash": _row_key(token)}).first()
    if row is None or row.expires_at <= clock():
        return None
    try:
        sealed = open_sealed(_seal_key(token), row.nonce_sealed, _CONTEXT)
    except DecryptionFailed:
        return None
    return sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
