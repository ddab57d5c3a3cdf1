"""Ledger export and import: fixed columns, round trip without changes, all-or-nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import func, select

from moderation.audit import AuditEvent, verify
from moderation.ledger import messages as m
from moderation.ledger.columns import COLUMNS
from moderation.ledger.export import export_csv, export_xlsx
from moderation.ledger.importer import ImportFailed, RowError, import_ledger, read_file
from moderation.ledger.items import set_progress
from moderation.ledger.models import LedgerCategory, LedgerItem, LedgerStatus
from tests.ledger_support import STAFF, make_item, make_unit


def audit_count(db) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(AuditEvent)).one()


def state(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return [(i.id, i.version, i.title, i.status, i.progress, i.measures, i.public)
            for i in db.exec(select(LedgerItem).order_by(LedgerItem.id))]


@pytest.fixture
def ledger(db, clock):  # type: ignore[no-untyped-def]
    unit = make_unit(db, "LH-GA")
    db.add(LedgerCategory(code="YOUAN", name={"zh_CN": "有案不立"}))
    db.flush()
    category = db.exec(select(LedgerCategory)).one()
    parent = make_item(db, clock, unit, "=HYPERLINK(\"x\")", public=True, code="WZGJ")
    child = make_item(
        db, clock, unit, "整治有案不立", parent_id=parent.id, weight=2, public=True,
        category_id=category.id, lead_official="市公安局分管副局长",
        measures=[{"zh_CN": "建立台账跟踪查", "en": "Keep a ledger"},
                  {"zh_CN": "-集中会审"}],
        description={"zh_CN": "第一行\n第二行", "en": "Line one\nline two"},
        starts_on=date(2021, 4, 11), deadline=date(2021, 6, 30),
        status=LedgerStatus.in_progress)
    set_progress(db, STAFF, child.id, 45, version=child.version, clock=clock)
    make_item(db, clock, unit, "内部事项", public=False, parent_id=parent.id)
    db.commit()
    return parent, child


def test_columns_are_fixed_and_documented() -> None:
    import moderation.ledger.columns as columns

    assert COLUMNS[:5] == ("id", "parent_id", "code", "title_zh_CN", "title_en")
    for name in COLUMNS:
        assert f"  {name}" in columns.__doc__ or f"/ {name}" in columns.__doc__, name


def test_csv_export_then_import_changes_nothing(db, clock, ledger) -> None:
    text = export_csv(db)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["title_zh_CN"].startswith("'=")  # no formula in a spreadsheet
    assert rows[1]["measures_zh_CN"] == "建立台账跟踪查\n-集中会审"
    before, audits = state(db), audit_count(db)
    summary = import_ledger(db, STAFF, read_file(text.encode("utf-8-sig"), "ledger.csv"),
                            clock=clock)
    db.commit()
    assert (summary.created, summary.updated) == ([], [])
    assert len(summary.unchanged) == 3
    assert state(db) == before
    assert audit_count(db) == audits


def test_xlsx_export_then_import_changes_nothing(db, clock, ledger) -> None:
    data = export_xlsx(db)
    sheet = load_workbook(io.BytesIO(data)).active
    assert tuple(c.value for c in sheet[1]) == COLUMNS
    assert sheet["D2"].data_type == "s"  # the "=HYPERLINK" title stays text
    before, audits = state(db), audit_count(db)
    summary = import_ledger(db, STAFF, read_file(data, "ledger.xlsx"), clock=clock)
    db.commit()
    assert len(summary.unchanged) == 3
    assert summary.updated == []
    assert state(db) == before
    assert audit_count(db) == audits


def _rows(db) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return read_file(export_csv(db).encode(), "ledger.csv")


def test_import_updates_and_creates_and_rolls_up(db, clock, ledger) -> None:
    parent, child = ledger
    rows = _rows(db)
    rows[1]["status"] = "rectified"
    rows[1]["progress"] = ""
    new = dict(rows[1], id="", code="", title_zh_CN="新问题", title_en="New problem",
               status="planned", progress="", version="", weight="1")
    summary = import_ledger(db, STAFF, [*rows, new], clock=clock)
    db.commit()
    assert summary.updated[0] == child.id
    assert len(summary.created) == 1
    db.expire_all()
    assert db.get(LedgerItem, child.id).progress == 90
    created = db.get(LedgerItem, summary.created[0])
    assert (created.title["en"], created.parent_id, created.progress) == (
        "New problem", parent.id, 0)
    # parent: child 90 (weight 2), internal 0 (1), new 0 (1) → 180 / 4 = 45
    assert db.get(LedgerItem, parent.id).progress == 45
    assert verify(db) == []


def test_rows_in_any_order_keep_their_exported_versions(db, clock, ledger) -> None:
    parent, child = ledger
    rows = _rows(db)
    rows[1]["progress"] = "70"  # rolls up into the parent, whose row comes after
    summary = import_ledger(db, STAFF, [rows[1], rows[2], rows[0]], clock=clock)
    assert summary.updated == [child.id]
    assert parent.progress == 47  # (70*2 + 0) / 3


def test_one_bad_row_changes_nothing_and_is_reported(db, clock, ledger) -> None:
    rows = _rows(db)
    rows[0]["title_en"] = "Changed, but must not stay"
    rows[2]["unit"] = "NO-SUCH-UNIT"
    rows[2]["deadline"] = "30/06/2021"
    before, audits = state(db), audit_count(db)
    with pytest.raises(ImportFailed) as failed:
        import_ledger(db, STAFF, rows, clock=clock)
    assert failed.value.errors == [RowError(4, "deadline", m.BAD_DATE),
                                   RowError(4, "unit", m.UNKNOWN_UNIT)]
    db.commit()
    assert state(db) == before
    assert audit_count(db) == audits


def test_row_errors_cover_ids_versions_and_domain_rules(db, clock, ledger) -> None:
    _parent, child = ledger
    rows = _rows(db)
    rows[0]["id"] = "9999"
    rows[1]["version"] = str(child.version - 1)
    rows[2]["parent_id"] = str(rows[2]["id"])  # under itself
    extra = dict(rows[2], id=str(child.id), version="")
    with pytest.raises(ImportFailed) as failed:
        import_ledger(db, STAFF, [*rows, extra], clock=clock)
    assert failed.value.errors == [
        RowError(2, "id", m.UNKNOWN_ID), RowError(3, "version", m.STALE_ROW),
        RowError(4, "parent_id", m.PARENT_CYCLE), RowError(5, "id", m.DUPLICATE_ID)]


def test_bad_header_and_unreadable_files_are_refused(db, clock, ledger) -> None:
    with pytest.raises(ImportFailed) as failed:
        read_file(b"id,title\n1,x\n", "x.csv")
    assert failed.value.errors[0].row == 1
    assert {e.message for e in failed.value.errors} == {m.BAD_HEADER}
    with pytest.raises(ImportFailed) as failed:
        read_file(b"PK\x03\x04garbage", "x.xlsx")
    assert failed.value.errors == [RowError(1, "", m.BAD_FILE)]
    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    out = io.BytesIO()
    workbook.save(out)
    assert read_file(out.getvalue(), "empty.xlsx") == []
