"""Verification of rectified items and look-back reviews (回头看).

verify: rectified ─passed─► verified; rectified ─failed─► in_progress (internal entry).
look-back: scheduled on a rectified or verified item, then recorded as held (nothing
moves) or relapsed (the item goes back to in_progress and the reason is added to its
PUBLIC timeline, so the public sees why a fixed problem is open again).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotFound, ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.common import check_version, get_item, snapshot
from moderation.ledger.items import apply_status
from moderation.ledger.models import (
    DONE_STATUSES,
    ENTRY_MAX,
    VERIFIER_MAX,
    EntryKind,
    LedgerLookBack,
    LedgerStatus,
    LedgerVerification,
    LookBackResult,
    VerificationResult,
)
from moderation.ledger.timeline import add_entry
from moderation.ledger.validation import clean_localized
from moderation.roles import Actor
from moderation.sqltypes import LocalizedText


def verify(session: Session, actor: Actor, item_id: int, *, verifier: str,
           verified_on: date, result: VerificationResult, note: LocalizedText,
           version: int | None, clock: Clock = system_clock) -> LedgerVerification:
    """Record a check of a rectified item; passed makes it verified, failed reopens it."""
    item = get_item(session, item_id)
    check_version(item, version)
    if item.status == LedgerStatus.verified:
        raise InvalidTransition(m.ALREADY_VERIFIED)
    if item.status != LedgerStatus.rectified:
        raise InvalidTransition(m.NOT_READY_FOR_VERIFICATION)
    verifier = (verifier or "").strip()
    text, error = clean_localized(note, ENTRY_MAX)
    errors = {}
    if not verifier:
        errors["verifier"] = m.REQUIRED
    elif len(verifier) > VERIFIER_MAX:
        errors["verifier"] = m.TOO_LONG
    if error:
        errors["note"] = error
    if errors:
        raise ValidationFailed(errors)
    result = VerificationResult(result)
    row = LedgerVerification(item_id=item.id, verifier=verifier, verified_on=verified_on,
                             result=result, note=text, recorded_by_id=actor.id,
                             created_at=clock())
    session.add(row)
    session.flush()
    record(session, actor, "ledger_verification.create", "ledger_verification", row.id,
           after=snapshot(row), clock=clock)
    if result == VerificationResult.passed:
        apply_status(session, actor, item, LedgerStatus.verified, clock=clock,
                     action="ledger_item.verified")
    else:
        apply_status(session, actor, item, LedgerStatus.in_progress, clock=clock,
                     action="ledger_item.verification_failed")
        if text:
            add_entry(session, actor, item.id, happened_on=verified_on, body=text,  # type: ignore[arg-type]
                      public=False, kind=EntryKind.verification, clock=clock)
    return row


def schedule_lookback(session: Session, actor: Actor, item_id: int, *, scheduled_on: date,
                      clock: Clock = system_clock) -> LedgerLookBack:
    """Plan a look-back review of a rectified or verified item."""
    item = get_item(session, item_id)
    if item.status not in DONE_STATUSES:
        raise InvalidTransition(m.NOT_RECTIFIED)
    if not isinstance(scheduled_on, date):
        raise ValidationFailed({"scheduled_on": m.BAD_DATE})
    row = LedgerLookBack(item_id=item.id, scheduled_on=scheduled_on, recorded_by_id=actor.id,
                         created_at=clock())
    session.add(row)
    session.flush()
    record(session, actor, "ledger_lookback.schedule", "ledger_lookback", row.id,
           after=snapshot(row), clock=clock)
    return row


def record_lookback(session: Session, actor: Actor, lookback_id: int, *, done_on: date,
                    result: LookBackResult, note: LocalizedText, version: int | None,
                    clock: Clock = system_clock) -> LedgerLookBack:
    """Record a look-back's result; a relapse reopens the item with a public reason.

    `version` is the item's version (a relapse changes the item)."""
    row = session.get(LedgerLookBack, lookback_id)
    if row is None:
        raise NotFound(f"ledger look-back {lookback_id}")
    if row.result is not None:
        raise InvalidTransition(m.LOOKBACK_NOT_DONE)
    item = get_item(session, row.item_id)
    check_version(item, version)
    result = LookBackResult(result)
    text, error = clean_localized(note, ENTRY_MAX)
    if error:
        raise ValidationFailed({"note": error})
    if result == LookBackResult.relapsed and not text:
        raise ValidationFailed({"note": m.RELAPSE_REASON})
    if result == LookBackResult.relapsed and item.status not in DONE_STATUSES:
        raise InvalidTransition(m.NOT_RECTIFIED)
    before = snapshot(row)
    row.done_on, row.result, row.note = done_on, result, text
    row.recorded_by_id = actor.id
    session.add(row)
    session.flush()
    record(session, actor, "ledger_lookback.record", "ledger_lookback", row.id,
           before=before, after=snapshot(row), clock=clock)
    if result == LookBackResult.relapsed:
        apply_status(session, actor, item, LedgerStatus.in_progress, clock=clock,
                     action="ledger_item.relapsed")
        add_entry(session, actor, item.id, happened_on=done_on, body=text,  # type: ignore[arg-type]
                  public=True, kind=EntryKind.relapse, clock=clock)
    return row
