"""Ledger items: roll-up, status → default progress, overdue, versions, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from moderation.audit import AuditEvent, verify
from moderation.errors import InvalidTransition, StaleVersion, ValidationFailed
from moderation.ledger import messages as m
from moderation.ledger.items import (
    change_status,
    create_item,
    is_overdue,
    set_progress,
    update_item,
)
from moderation.ledger.models import DEFAULT_PROGRESS, LedgerItem, LedgerStatus
from moderation.ledger.rollup import weighted_progress
from tests.ledger_support import STAFF, make_item, make_unit


def audit_count(db) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(AuditEvent)).one()


def test_weighted_progress_rounds_half_up_and_handles_zero_weights() -> None:
    assert weighted_progress([(100, 3), (0, 1)]) == 75
    assert weighted_progress([(10, 1), (11, 1)]) == 11  # 10.5 rounds up
    assert weighted_progress([(40, 0), (60, 0)]) == 50  # all zero: plain mean
    assert weighted_progress([]) is None


def test_parent_progress_is_the_weighted_mean_of_children_recursively(db, clock) -> None:
    unit = make_unit(db)
    top = make_item(db, clock, unit, "总项")
    middle = make_item(db, clock, unit, "中项", parent_id=top.id, weight=3)
    leaf_a = make_item(db, clock, unit, "子项A", parent_id=middle.id, weight=1)
    leaf_b = make_item(db, clock, unit, "子项B", parent_id=middle.id, weight=1)
    other = make_item(db, clock, unit, "子项C", parent_id=top.id, weight=1)

    set_progress(db, STAFF, leaf_a.id, 80, version=leaf_a.version, clock=clock)
    set_progress(db, STAFF, leaf_b.id, 40, version=leaf_b.version, clock=clock)
    assert middle.progress == 60
    assert top.progress == 45  # (60*3 + 0*1) / 4

    change_status(db, STAFF, other.id, LedgerStatus.rectified, version=other.version,
                  clock=clock)
    assert other.progress == 90
    assert top.progress == 68  # (60*3 + 90) / 4 = 67.5, rounded half up

    # Moving a child elsewhere recomputes both the old and the new parent chains.
    update_item(db, STAFF, leaf_b.id, {"parent_id": other.id}, version=leaf_b.version,
                clock=clock)
    assert middle.progress == 80
    assert other.progress == 40
    assert top.progress == 70  # (80*3 + 40) / 4

    with pytest.raises(ValidationFailed) as failed:
        set_progress(db, STAFF, top.id, 10, version=top.version, clock=clock)
    assert failed.value.errors == {"progress": m.PROGRESS_FROM_CHILDREN}


def test_changing_status_fills_its_default_progress(db, clock) -> None:
    unit = make_unit(db)
    item = make_item(db, clock, unit)
    assert (item.status, item.progress) == (LedgerStatus.planned, 0)
    for status in (LedgerStatus.in_progress, LedgerStatus.rectified, LedgerStatus.planned):
        change_status(db, STAFF, item.id, status, version=item.version, clock=clock)
        assert item.progress == DEFAULT_PROGRESS[status]
    expected = {LedgerStatus.planned: 0, LedgerStatus.in_progress: 10,
                LedgerStatus.rectified: 90, LedgerStatus.verified: 100}
    assert expected == DEFAULT_PROGRESS
    with pytest.raises(InvalidTransition):
        change_status(db, STAFF, item.id, LedgerStatus.verified, version=item.version,
                      clock=clock)


def test_overdue_follows_the_deadline_and_the_clock(db, clock) -> None:
    unit = make_unit(db)
    # The clock is 2026-06-01 02:00 UTC = 10:00 in Beijing.
    item = make_item(db, clock, unit, deadline=date(2026, 6, 1),
                     status=LedgerStatus.in_progress)
    assert not is_overdue(item, clock())
    clock.advance(hours=14)  # 2026-06-02 00:00 in Beijing
    assert is_overdue(item, clock())
    assert not is_overdue(item, datetime(2026, 6, 1, 15, 59, tzinfo=UTC))
    change_status(db, STAFF, item.id, LedgerStatus.rectified, version=item.version,
                  clock=clock)
    assert not is_overdue(item, clock())
    no_deadline = make_item(db, clock, unit, "无期限")
    assert not is_overdue(no_deadline, datetime(2030, 1, 1, tzinfo=UTC))


def test_stale_version_is_refused_and_no_op_writes_nothing(db, clock) -> None:
    unit = make_unit(db)
    item = make_item(db, clock, unit, lead_official="市公安局副局长")
    seen = item.version
    update_item(db, STAFF, item.id, {"lead_official": "市公安局局长"}, version=seen,
                clock=clock)
    assert item.version == seen + 1
    with pytest.raises(StaleVersion):
        update_item(db, STAFF, item.id, {"lead_official": "x"}, version=seen, clock=clock)
    before = audit_count(db)
    update_item(db, STAFF, item.id, {"lead_official": "市公安局局长"}, version=item.version,
                clock=clock)
    assert audit_count(db) == before
    assert item.version == seen + 1


def test_validation_reports_every_field_and_refuses_cycles(db, clock) -> None:
    unit = make_unit(db)
    with pytest.raises(ValidationFailed) as failed:
        create_item(db, STAFF, {"title": {"zh_CN": " ", "en": ""}, "unit_id": 9999,
                                "weight": -1, "starts_on": date(2026, 6, 2),
                                "deadline": date(2026, 6, 1)}, clock=clock)
    assert failed.value.errors == {
        "title": m.REQUIRED, "unit_id": m.UNKNOWN_UNIT, "weight": m.BAD_WEIGHT,
        "deadline": m.DEADLINE_BEFORE_START,
    }
    parent = make_item(db, clock, unit, "父")
    child = make_item(db, clock, unit, "子", parent_id=parent.id)
    with pytest.raises(ValidationFailed) as failed:
        update_item(db, STAFF, parent.id, {"parent_id": child.id}, version=None, clock=clock)
    assert failed.value.errors == {"parent_id": m.PARENT_CYCLE}


def test_every_change_is_audited_and_the_chain_verifies(db, clock) -> None:
    unit = make_unit(db)
    parent = make_item(db, clock, unit, "父")
    child = make_item(db, clock, unit, "子", parent_id=parent.id)
    set_progress(db, STAFF, child.id, 50, version=child.version, clock=clock)
    db.commit()
    actions = list(db.exec(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["ledger_item.create", "ledger_item.create", "ledger_item.progress",
                       "ledger_item.rollup"]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "ledger_item.progress")).one()
    assert (event.before["progress"], event.after["progress"]) == (0, 50)
    assert verify(db) == []
    assert db.get(LedgerItem, parent.id).progress == 50
