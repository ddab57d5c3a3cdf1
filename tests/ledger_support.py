"""Shared set-up for the ledger and statistics tests (units, items, submissions)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.models import (
    Channel,
    Outcome,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.texts import SubmissionText
from moderation.ledger.items import create_item
from moderation.ledger.models import LedgerItem, LedgerStatus
from moderation.roles import Actor, Role
from moderation.units import Unit
from tests.queue_support import sealed_text

STAFF = Actor(id=None, label="moderator1", role=Role.moderator)


def make_unit(db: Session, code: str = "U1", zh: str = "市公安局") -> Unit:
    unit = Unit(code=code, name={"zh_CN": zh, "en": code})
    db.add(unit)
    db.flush()
    return unit


def make_item(db: Session, clock: FixedClock, unit: Unit, title: str = "问题", *,
              status: LedgerStatus = LedgerStatus.planned, **values: Any) -> LedgerItem:
    fields = {"title": {"zh_CN": title, "en": f"{title} (en)"}, "unit_id": unit.id, **values}
    return create_item(db, STAFF, fields, status=status, clock=clock)


def make_submission(db: Session, *, kind: SubmissionKind = SubmissionKind.tip,
                    state: SubmissionState = SubmissionState.concluded,
                    outcome: Outcome | None = Outcome.substantiated,
                    channel: Channel = Channel.web,
                    received_at: datetime = datetime(2026, 5, 3, 8, tzinfo=UTC),
                    decided_at: datetime | None = None, concluded_at: datetime | None = None,
                    handling_due_on: date | None = None, unit: Unit | None = None,
                    content: str = "某派出所接报案件不登记。") -> Submission:
    token = secrets.token_hex(8)
    submission = Submission(
        reference=token[:12].upper(), kind=kind, channel=channel, state=state,
        receipt_hash=hashlib.sha256(b"r" + token.encode()).hexdigest(),
        idempotency_hash=hashlib.sha256(b"i" + token.encode()).hexdigest(),
        received_at=received_at, **sealed_text(token[:12].upper(), SubmissionText(content)),
        content_sha256=hashlib.sha256(content.encode()).hexdigest(),
        decision_due_on=received_at.date(), decided_at=decided_at,
        concluded_at=concluded_at if concluded_at or state != SubmissionState.concluded
        else received_at,
        handling_due_on=handling_due_on, outcome=outcome,
        unit_concerned_id=unit.id if unit else None,
    )
    db.add(submission)
    db.flush()
    return submission
