"""Anonymity, proved (acceptance 3): after the citizen flows, neither the database nor the
logs hold the client's address, user agent, referrer, the receipt code or the real-name
contact details in plaintext. The flows send marker values and the test searches for them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from moderation.intake.models import Category, Submission, SubmissionKind
from moderation.intake.texts import case_texts
from portal import cli
from tests.conftest import BASE_URL, ON_POSTGRES, csrf_from, page
from tests.test_intake_web import (
    EMAIL,
    NAME,
    PHONE,
    fields_of,
    post_form,
    receipt_of,
    send,
    three_files,
    tip_confirmation,
)

CLIENT_IP = "198.51.100.77"
FORWARDED_IP = "203.0.113.99"
USER_AGENT = "MarkerAgent/7.7 (UA-MARKER-5521)"
REFERER = "https://referer-marker.example/ref-5521"
HEADERS = {"X-Forwarded-For": FORWARDED_IP, "X-Real-IP": FORWARDED_IP,
           "User-Agent": USER_AGENT, "Referer": REFERER}


def database_text(engine: Engine) -> str:
    """Every column of every row of every table, as text (bytes in two readings)."""
    out: list[str] = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa_select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        raw = bytes(value)
                        out += [raw.hex(), raw.decode("latin-1")]
                    else:
                        out.append(str(value))
    return "\n".join(out)


def raw_database_bytes(engine: Engine) -> bytes:
    """The SQLite file and its journal, byte for byte (empty on PostgreSQL)."""
    if ON_POSTGRES:
        return b""
    path = Path(engine.url.database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
                    if p.exists())


@pytest.fixture
def marked_client(app: Any) -> Any:
    with TestClient(app, base_url=BASE_URL, follow_redirects=False, client=(CLIENT_IP, 51234),
                    headers=HEADERS) as client:
        yield client


def run_citizen_flows(client: TestClient, db: Session) -> list[str]:
    """A real-name tip with files, an anonymous suggestion, and follow-up; the receipts."""
    db.add(Category(code="t-anon", name={"zh_CN": "话题", "en": "Topic"},
                    kind=SubmissionKind.suggestion))
    db.commit()
    receipts = []
    confirmation = tip_confirmation(client, three_files(), identity="real_name",
                                    contact_name=NAME, contact_phone=PHONE, contact_email=EMAIL)
    receipts.append(receipt_of(send(client, confirmation)))
    topic = db.exec(select(Category)).first()
    suggestion = post_form(client, "/submit/suggestion",
                           {"category_id": str(topic.id), "content": "建议公开办事流程和时限。"})
    receipts.append(receipt_of(send(client, suggestion, "/submit/suggestion/confirm")))
    verify = client.get("/verify")
    client.post("/verify", data={"csrf_token": csrf_from(verify), "proof": "MSP1.nope"})
    if any(getattr(r, "path", "") == "/track" for r in client.app.routes):  # type: ignore[attr-defined]
        form = client.get("/track")
        token = csrf_from(form)
        client.post("/track", data={"csrf_token": token, "receipt": "1234-5678"})
        opened = client.post("/track", data={"csrf_token": token, "receipt": receipts[0]})
        assert opened.status_code == 303
        case = client.get("/track/case")
        assert case.status_code == 200
        assert page(case).select_one("main") is not None
    return receipts


def test_no_address_agent_referrer_receipt_or_contact_is_kept(
        marked_client: TestClient, db: Session, engine: Engine,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "sqlalchemy", "portal",
                 "moderation", "starlette"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    receipts = run_citizen_flows(marked_client, db)
    assert fields_of(marked_client.get("/submit/tip"))  # the flows really ran

    markers = [CLIENT_IP, FORWARDED_IP, USER_AGENT, "UA-MARKER-5521", REFERER,
               "referer-marker", NAME, PHONE, EMAIL]
    for receipt in receipts:
        markers += [receipt, receipt.replace("-", "")]
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    dump = database_text(engine)
    raw = raw_database_bytes(engine)
    # The flows stored the suggestion: its text opens with the keys, and is nowhere plain.
    stored = db.exec(select(Submission).where(
        Submission.kind == SubmissionKind.suggestion)).one()
    keys = marked_client.app.state.intake_keys  # type: ignore[attr-defined]
    assert case_texts(keys, stored).content == "建议公开办事流程和时限。"
    markers.append("建议公开办事流程和时限")
    for marker in markers:
        assert marker not in logs, f"{marker!r} appears in the logs"
        assert marker not in dump, f"{marker!r} appears in the database"
        assert marker.encode() not in raw, f"{marker!r} appears in the database file"


def test_portal_serve_keeps_no_access_log(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("MINSHENG_MODE", "dev")
    monkeypatch.setenv("SECRET_KEY", "serve-test-secret-" + "k" * 40)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env file from the working tree
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert len(calls) == 1
    assert calls[0]["access_log"] is False
    assert calls[0]["proxy_headers"] is False  # X-Forwarded-For is ignored without a proxy
