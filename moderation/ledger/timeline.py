"""An item's timeline: dated progress entries, their evidence files, and mechanisms."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import NotFound, ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.common import get_item, snapshot
from moderation.ledger.evidence import StoredEvidence
from moderation.ledger.models import (
    ENTRY_MAX,
    TITLE_MAX,
    EntryKind,
    LedgerEntry,
    LedgerEvidence,
    LedgerMechanism,
    MechanismArea,
)
from moderation.ledger.validation import clean_localized
from moderation.roles import Actor
from moderation.sqltypes import LocalizedText


def add_entry(session: Session, actor: Actor, item_id: int, *, happened_on: date,
              body: LocalizedText, public: bool, progress: int | None = None,
              kind: EntryKind = EntryKind.note, clock: Clock = system_clock) -> LedgerEntry:
    """Add a dated note to an item's timeline (shown publicly only when `public`)."""
    item = get_item(session, item_id)
    text, error = clean_localized(body, ENTRY_MAX)
    if error or not text:
        raise ValidationFailed({"body": error or m.REQUIRED})
    if not isinstance(happened_on, date):
        raise ValidationFailed({"happened_on": m.BAD_DATE})
    entry = LedgerEntry(item_id=item.id, happened_on=happened_on, kind=kind, body=text,
                        progress=item.progress if progress is None else progress,
                        public=public, author_id=actor.id, created_at=clock())
    session.add(entry)
    session.flush()
    record(session, actor, "ledger_entry.create", "ledger_entry", entry.id,
           after=snapshot(entry), clock=clock)
    return entry


def attach_evidence(session: Session, actor: Actor, entry_id: int, stored: StoredEvidence,
                    *, clock: Clock = system_clock) -> LedgerEvidence:
    """Record a stored evidence file on a timeline entry."""
    if session.get(LedgerEntry, entry_id) is None:
        raise NotFound(f"ledger entry {entry_id}")
    row = LedgerEvidence(entry_id=entry_id, stored_name=stored.stored_name,
                         display_name=stored.display_name, media_type=stored.media_type,
                         size=stored.size, sha256=stored.sha256,
                         metadata_status=stored.metadata_status, uploaded_by_id=actor.id,
                         created_at=clock())
    session.add(row)
    session.flush()
    record(session, actor, "ledger_evidence.create", "ledger_evidence", row.id,
           after=snapshot(row), clock=clock)
    return row


def add_mechanism(session: Session, actor: Actor, item_id: int, *, title: LocalizedText,
                  area: MechanismArea = MechanismArea.other,
                  established_on: date | None = None,
                  clock: Clock = system_clock) -> LedgerMechanism:
    """Record a rule or institution the rectification established (建章立制)."""
    item = get_item(session, item_id)
    text, error = clean_localized(title, TITLE_MAX)
    if error or not text:
        raise ValidationFailed({"title": error or m.REQUIRED})
    mechanism = LedgerMechanism(item_id=item.id, title=text, area=MechanismArea(area),
                                established_on=established_on, created_at=clock())
    session.add(mechanism)
    session.flush()
    record(session, actor, "ledger_mechanism.create", "ledger_mechanism", mechanism.id,
           after=snapshot(mechanism), clock=clock)
    return mechanism


def delete_mechanism(session: Session, actor: Actor, mechanism_id: int, *,
                     clock: Clock = system_clock) -> None:
    """Remove a mechanism recorded by mistake (its last state stays in the audit log)."""
    mechanism = session.get(LedgerMechanism, mechanism_id)
    if mechanism is None:
        raise NotFound(f"ledger mechanism {mechanism_id}")
    before = snapshot(mechanism)
    session.delete(mechanism)
    session.flush()
    record(session, actor, "ledger_mechanism.delete", "ledger_mechanism", mechanism_id,
           before=before, clock=clock)
