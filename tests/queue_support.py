"""Helpers for the queue tests: units, actors and submissions inserted directly."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from moderation.intake.deadlines import ClockRules, decision_due, hour_of
from moderation.intake.models import Submission
from moderation.queue.search import index_submission
from moderation.roles import Actor
from moderation.units import Unit

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def add_unit(db: Session, code: str) -> Unit:
    unit = Unit(code=code, name={"zh_CN": code, "en": code})
    db.add(unit)
    db.commit()
    return unit


def actor(user: Any) -> Actor:
    return Actor(id=user.id, label=user.username, role=user.role, unit_id=user.unit_id)


def add_submission(db: Session, content: str = "派出所民警办事拖延", *,
                   received_at: datetime = NOW, commit: bool = True,
                   **fields: Any) -> Submission:
    """A submission as intake would store it (hour precision, due date), indexed."""
    received = hour_of(received_at)
    token = secrets.token_hex(16)
    submission = Submission(
        reference=fields.pop("reference", f"MS-{token[:4].upper()}-{token[4:8].upper()}"),
        receipt_hash=token + "r" * 32, idempotency_hash=token + "i" * 32,
        received_at=received, content=content, content_sha256="0" * 64,
        decision_due_on=fields.pop("decision_due_on", decision_due(received, ClockRules())),
        **fields)
    db.add(submission)
    db.flush()
    index_submission(db, submission)
    if commit:
        db.commit()
    return submission


def hours_ago(hours: int) -> datetime:
    return NOW - timedelta(hours=hours)
