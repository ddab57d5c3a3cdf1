"""The audit log is a hash chain: editing or deleting any row shows in `verify`."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from moderation.audit import GENESIS, AuditEvent, AuditHead, record, verify
from moderation.clock import FixedClock
from moderation.roles import Actor, Role

ADMIN = Actor(id=7, label="admin1", role=Role.admin)
PRESS = Actor(id=8, label="press1", role=Role.press)
EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]


def write_log(db: Session, clock: FixedClock, count: int = 4) -> None:
    """Append `count` events, one committed action each (as the handlers do)."""
    for n in range(1, count + 1):
        actor = ADMIN if n % 2 else PRESS
        record(db, actor, "announcement.update", "announcement", n,
               before={"title": {"zh_CN": f"旧标题 {n}", "en": f"Old {n}"}},
               after={"title": {"zh_CN": f"新标题 {n}", "en": f"New {n}"}, "pinned": n == 2},
               clock=clock)
        db.commit()
        clock.advance(minutes=5)


def fresh_verify(engine: Engine) -> list:
    """Verify in a new session, as the CLI does (nothing cached from the writes)."""
    with Session(engine) as session:
        return verify(session)


def seqs(problems: list) -> set[int]:
    return {p.seq for p in problems}


def test_clean_log_verifies(db: Session, engine: Engine, clock: FixedClock) -> None:
    assert fresh_verify(engine) == []  # an empty log is intact
    write_log(db, clock)
    assert fresh_verify(engine) == []
    with Session(engine) as session:
        rows = session.exec(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        head = session.get(AuditHead, 1)
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert rows[1].after == {"title": {"zh_CN": "新标题 2", "en": "New 2"}, "pinned": True}
    assert rows[0].actor_label == "admin1"
    assert rows[1].actor_id == 8
    assert head is not None
    assert (head.seq, head.hash) == (4, rows[-1].hash)


def test_record_does_not_commit(db: Session, engine: Engine, clock: FixedClock) -> None:
    record(db, ADMIN, "user.create", "staffuser", 1, after={"username": "x"}, clock=clock)
    db.rollback()
    with Session(engine) as session:
        assert session.exec(select(AuditEvent)).first() is None


@pytest.mark.parametrize(
    "change",
    [
        {"after": {"title": {"zh_CN": "改过的", "en": "Edited"}, "pinned": False}},
        {"before": None},
        {"action": "announcement.delete"},
        {"actor_label": "someone-else"},
        {"actor_id": 99},
        {"target_id": "3"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_altered_row_is_named(db: Session, engine: Engine, clock: FixedClock,
                              change: dict) -> None:
    write_log(db, clock)
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 2).values(**change))
    problems = fresh_verify(engine)
    assert seqs(problems) == {2}
    assert "altered" in str(problems[0])
    assert "seq=2" in str(problems[0])


def test_altered_timestamp_is_named(db: Session, engine: Engine, clock: FixedClock) -> None:
    write_log(db, clock)
    with Session(engine) as session:
        at = session.exec(select(EVENTS.c.at).where(EVENTS.c.seq == 3)).scalar_one()
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 3).values(at=at - timedelta(days=1)))
    assert seqs(fresh_verify(engine)) == {3}


def test_rehashed_row_breaks_the_next_link(db: Session, engine: Engine,
                                           clock: FixedClock) -> None:
    """Someone who edits a row and recomputes its hash still breaks the following row."""
    from moderation.audit import _digest

    write_log(db, clock)
    with Session(engine) as session:
        row = session.exec(select(AuditEvent).where(AuditEvent.seq == 2)).scalar_one()
        forged = _digest(row.prev_hash, row.seq, row.at, row.actor_id, row.actor_label,
                         "announcement.delete", row.target_type, row.target_id, row.before,
                         row.after)
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.seq == 2)
                     .values(action="announcement.delete", hash=forged))
    assert 3 in seqs(fresh_verify(engine))


def test_deleted_middle_row_is_named(db: Session, engine: Engine, clock: FixedClock) -> None:
    write_log(db, clock)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.seq == 2))
    problems = fresh_verify(engine)
    assert 2 in seqs(problems)
    assert any(p.seq == 2 and "missing" in p.reason for p in problems)


def test_deleted_last_row_is_detected(db: Session, engine: Engine, clock: FixedClock) -> None:
    write_log(db, clock)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.seq == 4))
    problems = fresh_verify(engine)
    assert seqs(problems) == {4}
    assert "last rows missing" in problems[0].reason


def test_deleted_first_row_is_named(db: Session, engine: Engine, clock: FixedClock) -> None:
    write_log(db, clock)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.seq == 1))
    assert 1 in seqs(fresh_verify(engine))


def test_chain_continues_after_verification(db: Session, engine: Engine,
                                            clock: FixedClock) -> None:
    write_log(db, clock, count=2)
    assert fresh_verify(engine) == []
    write_log(db, clock, count=2)
    assert fresh_verify(engine) == []
    with Session(engine) as session:
        assert session.get(AuditHead, 1).seq == 4  # type: ignore[union-attr]
