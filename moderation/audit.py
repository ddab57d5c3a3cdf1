"""The append-only audit log, hash-chained so that an edited or deleted row shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from moderation.clock import Clock, system_clock
from moderation.roles import Actor
from moderation.sqltypes import utc_field

GENESIS = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One staff write: who, what, when, before and after, chained to the previous row."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=True)
    at: datetime = utc_field(index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(max_length=100)
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(max_length=64)
    target_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The end of the chain; locked while a row is appended, so the chain never forks."""

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)
    hash: str = Field(default=GENESIS, max_length=64)


def _digest(prev_hash: str, seq: int, at: datetime, actor_id: int | None, actor_label: str,
            action: str, target_type: str, target_id: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    payload = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor_id, actor_label,
         action, target_type, target_id, before, after],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    """The chain head, row-locked for this transaction; created on first use."""
    query = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = session.exec(query).first()
    if head is None:
        # Two first writers must not both create the head: insert-if-absent, then lock.
        dialect = session.get_bind().dialect.name
        insert = {"postgresql": pg_insert, "sqlite": sqlite_insert}[dialect]
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS)
                        .on_conflict_do_nothing(index_elements=["id"]))
        head = session.exec(query).one()
    return head


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    clock: Clock = system_clock,
) -> AuditEvent:
    """Append one event in the caller's transaction (the caller commits)."""
    head = _locked_head(session)
    # JSON round trip so the stored value and the hashed value are the same.
    before = json.loads(json.dumps(before, default=str)) if before is not None else None
    after = json.loads(json.dumps(after, default=str)) if after is not None else None
    at = clock()
    seq = head.seq + 1
    digest = _digest(head.hash, seq, at, actor.id, actor.label, action, target_type,
                     str(target_id), before, after)
    event = AuditEvent(seq=seq, at=at, actor_id=actor.id, actor_label=actor.label[:100],
                       action=action, target_type=target_type, target_id=str(target_id),
                       before=before, after=after, prev_hash=head.hash, hash=digest)
    head.seq, head.hash = seq, digest
    session.add(event)
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit row seq={self.seq}: {self.reason}"


def verify(session: Session) -> list[AuditProblem]:
    """Recompute the chain; return every break found (empty when the log is intact)."""
    problems: list[AuditProblem] = []
    prev_hash, expected_seq = GENESIS, 1
    for event in session.exec(select(AuditEvent).order_by(AuditEvent.seq)):
        if event.seq != expected_seq:
            problems.append(AuditProblem(expected_seq, "missing (deleted?)"))
        if event.prev_hash != prev_hash:
            problems.append(AuditProblem(event.seq, "does not follow the previous row"))
        digest = _digest(event.prev_hash, event.seq, event.at, event.actor_id, event.actor_label,
                         event.action, event.target_type, event.target_id, event.before,
                         event.after)
        if digest != event.hash:
            problems.append(AuditProblem(event.seq, "content altered (hash mismatch)"))
        prev_hash, expected_seq = event.hash, event.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(AuditProblem(head.seq, "last rows missing (chain head does not match)"))
    return problems
