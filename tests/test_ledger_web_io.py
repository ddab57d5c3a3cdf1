"""Acceptance 5 over HTTP: export then import of the same file changes nothing; a file
with one bad row changes nothing and reports that row's error, translated."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from moderation.audit import AuditEvent
from moderation.ledger import messages as m
from moderation.ledger.models import LedgerItem
from moderation.roles import Role
from portal.demo import load_demo
from portal.i18n import translations
from tests.conftest import csrf_from, login, page


def audit_count(db) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(AuditEvent)).one()


def snapshot(db) -> list[tuple]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return [(i.id, i.version, i.title, i.status, i.progress, i.measures, i.public,
             i.parent_id, i.weight) for i in db.exec(select(LedgerItem).order_by(LedgerItem.id))]


@pytest.fixture
def moderator_client(client, db, clock, make_user):  # type: ignore[no-untyped-def]
    load_demo(db, clock)
    db.commit()
    make_user(Role.moderator)
    login(client, "moderator1")
    return client


def upload(client, name: str, data: bytes, media_type: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/ledger/import"))
    return client.post("/staff/ledger/import", data={"csrf_token": token},
                       files={"file": (name, data, media_type)})


@pytest.mark.parametrize(("path", "media_type"), [
    ("/staff/ledger/export.csv", "text/csv"),
    ("/staff/ledger/export.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_export_then_import_changes_nothing(moderator_client, db, path, media_type) -> None:
    exported = moderator_client.get(path)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith(media_type)
    assert exported.headers["content-disposition"].startswith("attachment")
    before, events = snapshot(db), audit_count(db)
    response = upload(moderator_client, path.rsplit("/", 1)[1], exported.content, media_type)
    assert response.status_code == 303
    assert "created=0&updated=0" in response.headers["location"]
    assert snapshot(db) == before
    assert audit_count(db) == events
    done = page(moderator_client.get(response.headers["location"]))
    assert done.select_one(".flash") is not None


def test_one_bad_row_changes_nothing_and_is_reported(moderator_client, db) -> None:
    exported = moderator_client.get("/staff/ledger/export.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    rows[0]["title_zh_CN"] = "改过的标题"  # a good change that must not be applied
    rows[2]["progress"] = "150"  # file row 4
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    before, events = snapshot(db), audit_count(db)
    response = upload(moderator_client, "ledger.csv", out.getvalue().encode("utf-8"),
                      "text/csv")
    assert response.status_code == 422
    html = page(response)
    errors = [[td.get_text() for td in tr.select("td")]
              for tr in html.select("table.import-errors tbody tr")]
    assert errors == [["4", "progress", translations("zh_CN").gettext(m.BAD_PROGRESS)]]
    assert html.select_one(".error-summary") is not None
    assert snapshot(db) == before
    assert audit_count(db) == events


def test_import_in_english_and_bad_files(moderator_client, db) -> None:
    moderator_client.get("/lang/en?next=/staff/ledger/import")
    response = upload(moderator_client, "x.xlsx", b"PK\x03\x04 not really", "application/zip")
    assert response.status_code == 422
    cells = [td.get_text() for td in page(response).select("table.import-errors td")]
    assert cells == ["1", "", m.BAD_FILE]
    empty = upload(moderator_client, "", b"", "text/csv")
    assert empty.status_code == 422


def test_xlsx_export_has_the_fixed_columns(moderator_client) -> None:
    data = moderator_client.get("/staff/ledger/export.xlsx").content
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    # Readable columns in the reader's language first, then the fixed code columns.
    assert header[:4] == ["事项", "责任单位", "分类", "状态"]
    codes = header[header.index("id"):]
    assert codes[:3] == ["id", "parent_id", "code"]
    assert codes[-1] == "version"
    row = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[header.index("status")] in {"planned", "in_progress", "rectified", "verified"}
    assert row[3]
    assert row[3] != row[header.index("status")]  # a label, not the code
