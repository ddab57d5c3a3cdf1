"""Hostile input against the citizen forms: always a 4xx with a translated message, the
form filled in again where that makes sense, nothing stored, no file left behind."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from moderation.intake.files import UploadLimits
from moderation.intake.models import CaseMessage, Submission, SubmissionFile
from portal.csrf import _binding
from tests.conftest import page
from tests.test_intake_web import CONTENT, NO_FILE, fields_of, stored_files

MB = 1024 * 1024
BOUNDARY = "----hostile7MA4YWxkTrZu0gW"


def counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.exec(select(func.count()).select_from(model)).one()  # type: ignore[return-value]
                 for model in (Submission, SubmissionFile, CaseMessage))


def multipart(parts: list[tuple[str, bytes, str | None]]) -> bytes:
    """A multipart body built by hand: (name, value, filename or None)."""
    out = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += (f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
                + ("Content-Type: application/octet-stream\r\n" if filename is not None else "")
                + "\r\n").encode() + value + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def post_raw(client: TestClient, body: bytes,
             content_type: str = f"multipart/form-data; boundary={BOUNDARY}") -> Any:
    return client.post("/submit/tip", content=body, headers={"Content-Type": content_type})


def good_fields(client: TestClient) -> dict[str, str]:
    fields = fields_of(client.get("/submit/tip"))
    fields["content"] = CONTENT
    return fields


def post(client: TestClient, fields: dict[str, Any], files: list | None = None) -> Any:
    return client.post("/submit/tip", data=fields, files=files or NO_FILE)


def huge_text(client: TestClient) -> Any:
    return post(client, {**good_fields(client), "content": "举" * (10 * MB // 3)})


def invalid_utf8(client: TestClient) -> Any:
    fields = good_fields(client)
    parts = [("csrf_token", fields["csrf_token"].encode(), None),
             ("form_token", fields["form_token"].encode(), None),
             ("content", b"\xff\xfe bad \xc3\x28 bytes", None)]
    return post_raw(client, multipart(parts))


def nul_bytes(client: TestClient) -> Any:
    return post(client, {**good_fields(client), "content": CONTENT + "\x00\x00 hidden"})


def thousand_fields(client: TestClient) -> Any:
    fields = good_fields(client)
    parts = [("csrf_token", fields["csrf_token"].encode(), None)]
    parts += [(f"x{i}", b"1", None) for i in range(1000)]
    return post_raw(client, multipart(parts))


def eleven_files(client: TestClient) -> Any:
    files = [("evidence", (f"n{i}.txt", f"note {i}\n".encode(), "text/plain")) for i in range(11)]
    return post(client, good_fields(client), files)


def file_over_cap(client: TestClient) -> Any:
    big = ("evidence", ("big.txt", b"a" * (MB + 4096), "text/plain"))
    return post(client, good_fields(client), [big])


def lying_name(client: TestClient) -> Any:
    return post(client, good_fields(client),
                [("evidence", ("photo.jpg", b"just text, not a photo\n", "image/jpeg"))])


def malformed(client: TestClient) -> Any:
    fields = good_fields(client)
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{fields['csrf_token']}\r\n--{BOUNDARY}\r\nthis is not a header\r\n\r\n"
            "junk").encode()
    return post_raw(client, body)


def not_multipart(client: TestClient) -> Any:
    return client.post("/submit/tip", data=good_fields(client))


def missing_csrf(client: TestClient) -> Any:
    fields = good_fields(client)
    del fields["csrf_token"]
    return post(client, fields, [("evidence", ("a.txt", b"evidence\n", "text/plain"))])


class NineHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 9 * 3600  # the token lives eight hours


def stale_csrf(client: TestClient) -> Any:
    fields = good_fields(client)
    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    old = NineHoursAgo(secret, salt="minsheng.csrf.form")
    fields["csrf_token"] = old.sign(_binding(client.cookies["csrf"])).decode()
    return post(client, fields, [("evidence", ("a.txt", b"evidence\n", "text/plain"))])


def foreign_csrf(client: TestClient) -> Any:
    fields = good_fields(client)
    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    other = TimestampSigner(secret, salt="minsheng.csrf.form")
    fields["csrf_token"] = other.sign(_binding(secrets.token_urlsafe(32))).decode()
    return post(client, fields)


def forged_form_token(client: TestClient) -> Any:
    return post(client, {**good_fields(client), "form_token": "forged.token.value"})


# (case, status, English message shown, form filled in again)
CASES: list[tuple[Callable[[TestClient], Any], int, str, bool]] = [
    (huge_text, 413, "longer than this form accepts", False),
    (invalid_utf8, 400, "could not be read", False),
    (nul_bytes, 422, "characters that are not allowed", True),
    (thousand_fields, 413, "more fields than it accepts", False),
    (eleven_files, 422, "Too many files", True),
    (file_over_cap, 422, "larger than the limit", True),
    (lying_name, 422, "does not match its content", True),
    (malformed, 400, "not sent in the expected format", False),
    (not_multipart, 415, "not sent in the expected format", False),
    (missing_csrf, 403, "This form has expired", False),
    (stale_csrf, 403, "This form has expired", False),
    (foreign_csrf, 403, "This form has expired", False),
    (forged_form_token, 400, "could not be verified", True),
]


@pytest.fixture
def hostile_client(client: TestClient, app: Any) -> TestClient:
    """English pages, and a 1 MB file cap so "over the cap" stays fast."""
    app.state.intake = replace(app.state.intake, limits=UploadLimits(
        file_bytes=MB, total_bytes=20 * MB, count=10))
    client.headers["Accept-Language"] = "en"
    return client


@pytest.mark.parametrize(("case", "status", "message", "refilled"), CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_hostile_input_is_refused_cleanly(hostile_client: TestClient, db: Session,
                                          settings: Any, case: Callable[[TestClient], Any],
                                          status: int, message: str, refilled: bool) -> None:
    before = counts(db)
    response = case(hostile_client)
    assert response.status_code == status, response.text[:1500]
    main = page(response).select_one("main")
    assert main is not None, "a styled page, not a bare error"
    assert message in main.get_text(" "), main.get_text(" ")[:800]
    if refilled:
        area = page(response).select_one("form.intake-form textarea[name=content]")
        assert area is not None
        assert area.get_text().startswith(CONTENT)
        assert "\x00" not in response.text
    assert counts(db) == before
    assert stored_files(settings.upload_dir) == []


def test_a_wrong_receipt_twenty_times_stores_nothing(hostile_client: TestClient, db: Session,
                                                     settings: Any) -> None:
    if not any(getattr(r, "path", "") == "/track" for r in hostile_client.app.routes):  # type: ignore[attr-defined]
        pytest.skip("no /track yet")
    before = counts(db)
    form = hostile_client.get("/track")
    token = page(form).select_one("input[name=csrf_token]")["value"]
    statuses = []
    for i in range(20):
        wrong = f"{i:04d}-1111-2222-3333-4444-5555-6666-7777"
        response = hostile_client.post("/track", data={"csrf_token": token, "receipt": wrong})
        statuses.append(response.status_code)
    assert all(400 <= s < 500 for s in statuses), statuses
    assert statuses[-1] == 429
    assert counts(db) == before
    assert stored_files(settings.upload_dir) == []
