"""Every staff form that takes a file: a duplicate, an empty, an oversize and a wrongly
typed file each get a success or a 4xx with the typed text kept, never a 500 (issue 15).

Ledger evidence is stored per attachment: the same notice attached to several entries,
of one unit or of two, succeeds every time, and nothing in the answer depends on the
files of another unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, select
from starlette.testclient import TestClient

from moderation.ledger.models import LedgerEvidence
from moderation.roles import Role
from portal.ledger.actions import EVIDENCE_MAX_BYTES
from portal.ledger.transfer import IMPORT_MAX_BYTES
from tests.conftest import csrf_from, form_fields, login
from tests.ledger_support import make_item, make_unit
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

TYPED = "整改通报-保留的文字-4471"
NOTICE = b"%PDF-1.4\n" + b"not a real pdf, refused by content" * 3


def _jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (24, 24), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@dataclass(frozen=True)
class FileForm:
    """One staff form with a file field: who uses it, where, and how to fill it in."""

    role: Role
    page: str  # the GET page holding the form
    action: str  # where it posts
    selector: str
    field: str
    oversize: int  # bytes that are over every cap of this form
    typed_field: str  # a text field whose value must come back on a refusal
    extra: dict[str, str]
    good: Callable[[], tuple[str, bytes, str]]


def _csv_row() -> tuple[str, bytes, str]:
    return ("ledger.csv", b"code,title_zh_CN\n", "text/csv")


FORMS = {
    "ledger-evidence": FileForm(
        Role.moderator, "/staff/ledger/{item}", "/staff/ledger/{item}/entries",
        'form[action="/staff/ledger/{item}/entries"]', "evidence", EVIDENCE_MAX_BYTES + 300_000,
        "body_zh_CN", {"happened_on": "2026-05-20"},
        lambda: ("notice.txt", b"one notice for several items\n", "text/plain")),
    "ledger-import": FileForm(
        Role.moderator, "/staff/ledger/import", "/staff/ledger/import", "form[method=post]",
        "file", IMPORT_MAX_BYTES + 100_000, "", {}, _csv_row),
    "press-cover": FileForm(
        Role.press, "/staff/announcements/new", "/staff/announcements/new", "form.press-form",
        "cover", 6 * 1024 * 1024, "title_zh_CN", {"action": "save", "body_zh_CN": "正文"},
        lambda: ("cover.jpg", _jpeg(), "image/jpeg")),
    "hotline-evidence": FileForm(
        Role.moderator, "/staff/intake/new", "/staff/intake/new", "form.intake-form",
        "evidence", 60 * 1024 * 1024, "content",
        {"kind": "tip", "channel": "phone"},
        lambda: ("photo.jpg", _jpeg(), "image/jpeg")),
}

CASES = {
    "empty": ("empty.txt", b"", "text/plain"),
    "wrong-type": ("photo.jpg", b"MZ\x90\x00 an executable, not a photo" * 10, "image/jpeg"),
    "disguised-pdf": ("notice.pdf", NOTICE, "application/pdf"),
}


@pytest.fixture
def item(db: Session, clock: Any) -> Any:
    unit = make_unit(db, "LH-GA", "市公安局")
    row = make_item(db, clock, unit, "有案不立整治", public=True)
    db.commit()
    return row


def _post(client: TestClient, form: FileForm, item_id: int,
          upload: tuple[str, bytes, str]) -> tuple[Any, str]:
    page_url = form.page.format(item=item_id)
    fields = form_fields(client.get(page_url), form.selector.format(item=item_id))
    fields.pop(form.field, None)
    typed = f"{TYPED}-{len(upload[1])}"
    fields.update(form.extra)
    if form.typed_field:
        fields[form.typed_field] = typed
    fields["csrf_token"] = csrf_from(client.get(page_url))
    response = client.post(form.action.format(item=item_id), data=fields,
                           files={form.field: upload})
    return response, typed


def _assert_handled(response: Any, typed: str, form: FileForm) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400 and response.status_code != 413 and form.typed_field:
        assert typed in response.text  # refused, with what was typed kept


@pytest.mark.parametrize("case", [*CASES, "duplicate", "oversize"])
@pytest.mark.parametrize("name", list(FORMS))
def test_every_staff_file_form_answers_bad_files_without_a_500(
        client: TestClient, make_user: Any, item: Any, name: str, case: str) -> None:
    form = FORMS[name]
    login(client, make_user(form.role, unit_id=None).username)
    assert item.id is not None
    if case == "duplicate":
        first, _typed = _post(client, form, item.id, form.good())
        assert first.status_code < 500
        response, typed = _post(client, form, item.id, form.good())
    elif case == "oversize":
        response, typed = _post(client, form, item.id,
                                ("big.jpg", b"\xff\xd8\xff" + b"0" * form.oversize, "image/jpeg"))
        assert response.status_code in (413, 422), response.status_code
    else:
        response, typed = _post(client, form, item.id, CASES[case])
    _assert_handled(response, typed, form)


def test_the_same_evidence_attached_to_entries_of_one_and_of_two_units(
        client: TestClient, db: Session, clock: Any, make_user: Any) -> None:
    police = make_unit(db, "LH-GA", "市公安局")
    court = make_unit(db, "LH-FY", "市中级法院")
    police_items = [make_item(db, clock, police, f"公安整改{i}") for i in range(2)]
    court_item = make_item(db, clock, court, "法院整改")
    db.commit()
    notice = ("notice.txt", b"one notice for several items\n", "text/plain")
    login(client, make_user(Role.handler, unit_id=police.id).username)
    answers = [_post(client, FORMS["ledger-evidence"], i.id, notice)[0] for i in police_items]
    client.cookies.clear()
    login(client, make_user(Role.handler, username="handler2", unit_id=court.id).username)
    in_court = _post(client, FORMS["ledger-evidence"], court_item.id, notice)[0]
    fresh = _post(client, FORMS["ledger-evidence"], court_item.id,
                  ("other.txt", b"bytes nobody else has\n", "text/plain"))[0]
    for response in [*answers, in_court, fresh]:
        assert response.status_code == 303, response.text[:300]
    # The court's handler learns nothing from the police's copy: same answer either way.
    assert in_court.headers["location"] == fresh.headers["location"]
    rows = list(db.exec(select(LedgerEvidence)))
    assert len(rows) == 4
    assert len({r.stored_name for r in rows}) == 4
    own = client.get(f"/staff/ledger/evidence/{rows[2].id}")
    assert own.status_code == 200
    assert own.content == notice[1]
    assert client.get(f"/staff/ledger/evidence/{rows[0].id}").status_code == 404
