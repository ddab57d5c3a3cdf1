"""Do the configured keys open this database's data? A sealed canary says so at start-up.

The canary is a fixed value wrapped by the master key, written the first time the portal
starts on a database. Every later start unwraps it: a different key (a restore with the
wrong settings, a typo in ENCRYPTION_KEY) stops the portal before it shows a page,
instead of a download failing half-way hours later. The fingerprint of the master key
(never the key) goes into backup manifests, so a restore can be checked before it runs.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from moderation.intake.crypto import DecryptionFailed, unwrap_key, wrap_key
from moderation.intake.keys import IntakeKeys
from moderation.sqltypes import utc_field

CANARY = b"minsheng key canary v1: this database's master key"
MASTER = "master"


class KeyCheck(SQLModel, table=True):
    """A canary per key: a known value sealed with it."""

    name: str = Field(primary_key=True, max_length=32)
    sealed: bytes = Field(sa_column=Column(LargeBinary(length=256), nullable=False))
    created_at: datetime = utc_field()


class KeysDoNotMatch(Exception):
    """The configured keys do not open this database's data; the message names the setting."""


def fingerprint(master: bytes) -> str:
    """A short, one-way fingerprint of a master key, safe to print and to store."""
    return hmac.new(master, b"minsheng/key-fingerprint/v1", hashlib.sha256).hexdigest()[:32]


def opens_canary(master: bytes, sealed: bytes) -> bool:
    """True if `master` opens the canary `sealed`."""
    try:
        return hmac.compare_digest(unwrap_key(master, sealed, "canary/" + MASTER)[:32],
                                   hashlib.sha256(CANARY).digest())
    except DecryptionFailed:
        return False


def seal_canary(keys: IntakeKeys) -> bytes:
    """The canary of the current master key."""
    return wrap_key(keys.master, hashlib.sha256(CANARY).digest(), "canary/" + MASTER)


def check_keys(session: Session, keys: IntakeKeys, setting: str, now: datetime) -> None:
    """Raise KeysDoNotMatch unless the master key (or the previous one) opens the canary.

    The first start on a database writes the canary; the caller commits.
    """
    row = session.get(KeyCheck, MASTER)
    if row is None:
        try:
            with session.begin_nested():
                session.add(KeyCheck(name=MASTER, sealed=seal_canary(keys), created_at=now))
        except IntegrityError:  # another worker wrote it at the same moment
            row = session.get(KeyCheck, MASTER)
        if row is None:
            return
    masters = [keys.master, *([keys.previous_master] if keys.previous_master else [])]
    if not any(opens_canary(master, row.sealed) for master in masters):
        raise KeysDoNotMatch(
            f"{setting} does not open the data in this database: it is not the key the "
            "data was encrypted with. Set the right key (see README, Keys); the portal "
            "does not start with a wrong one.")


def reseal_canary(session: Session, keys: IntakeKeys, now: datetime) -> None:
    """After a rotation: the canary under the new master key (caller commits)."""
    row = session.get(KeyCheck, MASTER) or KeyCheck(name=MASTER, sealed=b"", created_at=now)
    row.sealed = seal_canary(keys)
    session.add(row)
