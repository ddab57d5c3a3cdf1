"""Hostile spreadsheets sent to the ledger import (issue 14, acceptance 1): a sheet that
declares itself huge, a document type declaration, entities, a broken zip and an
oversized CSV each get a 4xx with a message, cost little memory, and change nothing."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from moderation.ledger import messages as m
from moderation.ledger.columns import COLUMNS
from moderation.spreadsheet import TableBudget, TableRejected, read_table
from tests.test_ledger_web import zh
from tests.test_ledger_web_io import moderator_client, snapshot, upload  # noqa: F401

MEMORY_BUDGET = 64 * 1024 * 1024


def _workbook(rows: int = 2) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for i in range(rows - 1):
        sheet.append([f"x{i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(data: bytes, member: str, change: Any) -> bytes:
    """The workbook with one member's XML changed by `change(text) -> text`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w",
                                                                 zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = change(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def huge_dimension() -> bytes:
    return _rewrite(_workbook(), "xl/worksheets/sheet1.xml",
                    lambda x: re.sub(r'<dimension ref="[^"]*"\s*/>',
                                     '<dimension ref="A1:XFD1048576"/>', x))


def with_doctype() -> bytes:
    return _rewrite(_workbook(), "xl/workbook.xml",
                    lambda x: '<!DOCTYPE workbook [<!ELEMENT workbook ANY>]>' + x)


def billion_laughs() -> bytes:
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    return _rewrite(_workbook(), "xl/worksheets/sheet1.xml",
                    lambda x: f"<!DOCTYPE worksheet [{entities}]>" + x.replace("x0", "&i;"))


def broken_zip() -> bytes:
    data = _workbook()
    return data[: len(data) // 2]


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook())) as src, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        dst.writestr("xl/media/filler.bin", b"\0" * (80 * 1024 * 1024))
    return out.getvalue()


def wide_csv() -> bytes:
    return (",".join(COLUMNS) + "\n" + ",".join(["x"] * 10_000) + "\n").encode()


HOSTILE = {
    "huge-dimension": (huge_dimension, "ledger.xlsx", m.FILE_TOO_BIG),
    "doctype": (with_doctype, "ledger.xlsx", m.HOSTILE_FILE),
    "entities": (billion_laughs, "ledger.xlsx", m.HOSTILE_FILE),
    "broken-zip": (broken_zip, "ledger.xlsx", m.BAD_FILE),
    "zip-bomb": (zip_bomb, "ledger.xlsx", m.FILE_TOO_BIG),
    "wide-csv": (wide_csv, "ledger.csv", m.FILE_TOO_BIG),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_import_is_refused_cheaply_and_changes_nothing(
        moderator_client: Any, db: Any, name: str) -> None:  # noqa: F811
    build, filename, message = HOSTILE[name]
    data = build()
    before = snapshot(db)
    tracemalloc.start()
    try:
        response = upload(moderator_client, filename, data, "application/octet-stream")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 400 <= response.status_code < 500, response.text[:300]
    assert zh(message) in response.text
    assert peak < MEMORY_BUDGET, f"{name}: {peak / 1e6:.0f} MB"
    assert snapshot(db) == before


def test_the_reader_stops_at_its_row_cap_whatever_the_sheet_declares() -> None:
    rows = [list(COLUMNS)] + [["x"]] * 30
    data = ("\n".join(",".join(r) for r in rows) + "\n").encode()
    with pytest.raises(TableRejected) as refused:
        read_table(data, "x.csv", TableBudget(max_rows=10))
    assert refused.value.reason == "too_big"
    assert len(read_table(_workbook(5), "x.xlsx", TableBudget(max_rows=10))) == 5
