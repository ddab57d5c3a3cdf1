"""The start-up key check and `portal keys rotate`.

Rotation without downtime for readers: give every worker the new key as ENCRYPTION_KEY
and the old one as ENCRYPTION_KEY_PREVIOUS (both open the data), then run
`portal keys rotate`, which re-wraps each submission's data key (and re-keys its blind
search index, which derives from the master key) and each TOTP secret under the new key
in small committed batches (resumable: what is done is skipped), and finally drop
ENCRYPTION_KEY_PREVIOUS. The data itself is never re-encrypted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from moderation.audit import record
from moderation.clock import Clock
from moderation.intake.crypto import DecryptionFailed, unwrap_key, wrap_key
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.keycheck import KeysDoNotMatch, check_keys, reseal_canary
from moderation.queue.search import index_submission
from moderation.roles import Actor
from portal.accounts import totp
from portal.accounts.models import StaffUser
from portal.settings import Settings

log = logging.getLogger("portal.keys")
BATCH = 200


def master_setting(settings: Settings) -> str:
    """The setting the master key comes from, for messages."""
    return "ENCRYPTION_KEY" if settings.encryption_key else \
        "SECRET_KEY (the encryption key is derived from it while ENCRYPTION_KEY is unset)"


def verify_keys_at_start(settings: Settings, keys: IntakeKeys, engine: Engine,
                         clock: Clock) -> None:
    """Refuse to start (KeysDoNotMatch, logged with the setting's name) on a wrong key."""
    with Session(engine) as session:
        try:
            check_keys(session, keys, master_setting(settings), clock())
        except KeysDoNotMatch as exc:
            log.critical("refusing to start: %s", exc)
            raise
        session.commit()


@dataclass
class RotationReport:
    rewrapped: int = 0
    already: int = 0
    unreadable: int = 0
    totp_resealed: int = 0
    totp_unreadable: int = 0


def rotate(engine: Engine, settings: Settings, keys: IntakeKeys, actor: Actor,
           clock: Clock) -> RotationReport:
    """Re-wrap every data key and TOTP secret under the current master key."""
    if keys.previous_master is None:
        raise KeysDoNotMatch("set ENCRYPTION_KEY_PREVIOUS to the old key and ENCRYPTION_KEY "
                             "to the new one before rotating")
    report = RotationReport()
    last_id = 0
    while True:
        with Session(engine) as session:
            rows = list(session.exec(
                select(Submission).where(col(Submission.id) > last_id)
                .where(col(Submission.wrapped_key).is_not(None))
                .order_by(col(Submission.id)).limit(BATCH)))
            if not rows:
                break
            for submission in rows:
                if _rewrap(submission, keys, report):
                    session.add(submission)
                    # The blind index is keyed from the master key: re-key it in the
                    # same commit, so a resumed rotation finds both done or both not.
                    index_submission(session, keys, submission)
            last_id = rows[-1].id or last_id
            session.commit()  # one batch at a time: an interrupted rotation resumes
    new_totp, old_totp = totp.opening_keys(settings)[0], totp.opening_keys(settings)[1:]
    with Session(engine) as session:
        for user in session.exec(select(StaffUser).where(
                col(StaffUser.totp_secret).is_not(None))):
            stored = user.totp_secret or ""
            if totp.unseal(new_totp, stored) is not None:
                continue
            secret = totp.unseal_any(old_totp, stored)
            if secret is None:
                report.totp_unreadable += 1
                continue
            user.totp_secret = totp.seal(new_totp, secret)
            session.add(user)
            report.totp_resealed += 1
        reseal_canary(session, keys, clock())
        record(session, actor, "keys.rotate", "keycheck", None,
               after={"rewrapped": report.rewrapped, "already": report.already,
                      "unreadable": report.unreadable,
                      "totp_resealed": report.totp_resealed}, clock=clock)
        session.commit()
    return report


def _rewrap(submission: Submission, keys: IntakeKeys, report: RotationReport) -> bool:
    """Re-wrap one data key under the current master key; True if it changed."""
    wrapped, reference = submission.wrapped_key, submission.reference
    try:
        unwrap_key(keys.master, wrapped, reference)
        report.already += 1
        return False
    except DecryptionFailed:
        pass
    try:
        data_key = unwrap_key(keys.previous_master or b"", wrapped, reference)
    except DecryptionFailed:
        report.unreadable += 1
        log.warning("submission %s: its key opens with neither key", reference)
        return False
    submission.wrapped_key = wrap_key(keys.master, data_key, reference)
    report.rewrapped += 1
    return True
