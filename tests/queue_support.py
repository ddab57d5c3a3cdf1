"""Helpers for the queue tests: units, actors and submissions inserted directly."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from moderation.intake.crypto import new_data_key, wrap_key
from moderation.intake.deadlines import ClockRules, decision_due, hour_of
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Submission
from moderation.intake.texts import SubmissionText, seal_submission_text
from moderation.queue.search import index_submission
from moderation.roles import Actor
from moderation.units import Unit

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
# The keys of the app the `settings` fixture configures (tests/conftest.py).
KEYS = IntakeKeys.from_secrets("test-secret-key-" + "x" * 40)


def add_unit(db: Session, code: str) -> Unit:
    unit = Unit(code=code, name={"zh_CN": code, "en": code})
    db.add(unit)
    db.commit()
    return unit


def actor(user: Any) -> Actor:
    return Actor(id=user.id, label=user.username, role=user.role, unit_id=user.unit_id)


def sealed_text(reference: str, text: SubmissionText,
                keys: IntakeKeys = KEYS) -> dict[str, bytes]:
    """The key and text columns of a submission holding `text`, as intake seals them."""
    data_key = new_data_key()
    return {"wrapped_key": wrap_key(keys.master, data_key, reference),
            "text_sealed": seal_submission_text(data_key, reference, text)}


def add_submission(db: Session, content: str = "派出所民警办事拖延", *,
                   received_at: datetime = NOW, commit: bool = True,
                   people_concerned: str = "", happened_when: str = "",
                   happened_where: str = "", **fields: Any) -> Submission:
    """A submission as intake would store it (hour precision, due date, sealed text
    under the test app's keys), indexed."""
    received = hour_of(received_at)
    token = secrets.token_hex(16)
    reference = fields.pop("reference", f"MS-{token[:4].upper()}-{token[4:8].upper()}")
    text = SubmissionText(content, people_concerned, happened_when, happened_where)
    submission = Submission(
        reference=reference,
        receipt_hash=token + "r" * 32, idempotency_hash=token + "i" * 32,
        received_at=received, content_sha256="0" * 64,
        decision_due_on=fields.pop("decision_due_on", decision_due(received, ClockRules())),
        **sealed_text(reference, text), **fields)
    db.add(submission)
    db.flush()
    index_submission(db, KEYS, submission, text)
    if commit:
        db.commit()
    return submission


def hours_ago(hours: int) -> datetime:
    return NOW - timedelta(hours=hours)
