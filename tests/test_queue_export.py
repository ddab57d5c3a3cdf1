"""CSV export: leaders and moderators only, no identity or internal fields, formulas
defused, overdue column."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import Session

from moderation.errors import NotPermitted
from moderation.intake.models import SubmissionState
from moderation.queue import export
from moderation.queue.export import COLUMNS, export_queue_csv, safe_cell
from moderation.queue.filters import QueueQuery, Tab
from moderation.roles import Role
from tests.queue_support import KEYS, NOW, actor, add_submission, add_unit

SECRET = "举报人张三电话13800138000"


def rows_of(lines) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def filled(db: Session):  # type: ignore[no-untyped-def]
    unit = add_unit(db, "=HYPERLINK(\"http://x\")")
    add_submission(db, SECRET, unit_concerned_id=unit.id, anonymous=False,
                   contact_sealed=b"sealed-contact", people_concerned="王某",
                   finding="内部认定", reference="MS-AAAA-0001")
    add_submission(db, "第二件", state=SubmissionState.rejected, reference="-MS-BBB-0002")
    return unit


def test_export_has_fixed_columns_and_no_identity(db: Session, make_user, filled) -> None:  # type: ignore[no-untyped-def]
    leader = actor(make_user(Role.leader))
    text = "".join(export_queue_csv(db, leader, QueueQuery(), NOW, keys=KEYS))
    rows = rows_of([text])
    assert tuple(rows[0].keys()) == COLUMNS
    assert len(rows) == 2
    for forbidden in ("contact", "name", "phone", "email", "anonymous", "content", "finding",
                      "note", "people"):
        assert not any(forbidden in column for column in COLUMNS)
    for leaked in (SECRET, "13800138000", "王某", "内部认定", "sealed"):
        assert leaked not in text


def test_export_escapes_formulas(db: Session, make_user, filled) -> None:  # type: ignore[no-untyped-def]
    rows = rows_of(export_queue_csv(db, actor(make_user(Role.moderator)), QueueQuery(), NOW,
                                    keys=KEYS))
    by_ref = {r["reference"].lstrip("'"): r for r in rows}
    assert by_ref["MS-AAAA-0001"]["unit_concerned"] == "'=HYPERLINK(\"http://x\")"
    assert by_ref["-MS-BBB-0002"]["reference"] == "'-MS-BBB-0002"
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(cell) == "'" + cell
    assert safe_cell("MS-1") == "MS-1"
    assert safe_cell(None) == ""


def test_export_overdue_column_follows_the_clock(db: Session, make_user, filled) -> None:  # type: ignore[no-untyped-def]
    mod = actor(make_user(Role.moderator))
    now_rows = {r["reference"]: r
                for r in rows_of(export_queue_csv(db, mod, QueueQuery(), NOW, keys=KEYS))}
    assert now_rows["MS-AAAA-0001"]["overdue"] == "no"
    later = NOW + timedelta(days=16)
    late_rows = rows_of(export_queue_csv(db, mod, QueueQuery(tab=Tab.overdue), later, keys=KEYS))
    assert [(r["reference"], r["overdue"]) for r in late_rows] == [("MS-AAAA-0001", "yes")]
    assert late_rows[0]["received_at"] == "2026-06-01T10:00+08:00"


def test_export_streams_in_batches(db: Session, make_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(export, "BATCH", 3)
    for i in range(8):
        add_submission(db, f"第{i}件", commit=False)
    db.commit()
    rows = rows_of(export_queue_csv(db, actor(make_user(Role.leader)), QueueQuery(), NOW,
                                    keys=KEYS))
    assert len({r["reference"] for r in rows}) == 8


@pytest.mark.parametrize("role", [Role.handler, Role.admin, Role.press])
def test_export_refused_to_other_roles(db: Session, make_user, role: Role) -> None:
    with pytest.raises(NotPermitted):
        export_queue_csv(db, actor(make_user(role)), QueueQuery(), NOW, keys=KEYS)
