"""A code a person can keep: old 32-digit codes still open their case, the receipt page
offers a plain-text download that never puts the code in a URL or a cache, and wrong
codes are throttled per client and globally."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.intake.receipts import damm_digit, parse_receipt, receipt_hash
from moderation.ratelimit import Limit
from portal.track import entry
from tests.conftest import BASE_URL, csrf_from, page
from tests.test_followup import Case, make_case
from tests.test_intake_web import send, tip_confirmation
from tests.test_track import enter_receipt, open_case


@pytest.fixture
def keys(app: Any) -> IntakeKeys:
    return app.state.intake_keys


def test_a_code_issued_in_the_old_format_still_opens_its_case(
        client: TestClient, db: Session, keys: IntakeKeys, clock: FixedClock) -> None:
    case: Case = make_case(db, keys, clock)
    legacy = "4" * 31 + damm_digit("4" * 31)
    case.submission.receipt_hash = receipt_hash(keys, legacy)
    db.add(case.submission)
    db.commit()
    printed = "-".join(legacy[i:i + 4] for i in range(0, 32, 4))
    case_page = open_case(client, printed.replace("4", "４"))
    assert page(case_page).select_one(".track-reference").get_text(strip=True) \
        == case.submission.reference
    client.cookies.clear()
    assert enter_receipt(client, case.receipt).status_code == 422  # the new one is not its


def test_receipt_downloads_as_text_without_the_code_in_any_url(client: TestClient) -> None:
    receipt_page = send(client, tip_confirmation(client))
    code = page(receipt_page).select_one("#receipt-code").get_text(strip=True)
    form = page(receipt_page).select_one('form[action="/receipt/download"]')
    assert form is not None
    assert form["method"] == "post"
    assert form.select_one("button[type=submit]") is not None  # works without JavaScript
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    response = client.post("/receipt/download", data=fields)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert parse_receipt(code) not in re.sub(r"\D", "", disposition)
    text = response.content.decode("utf-8-sig")
    assert code in text
    assert f"{BASE_URL}/track" in text
    assert "查询码" in text  # in the reader's language (Chinese by default)
    assert parse_receipt(code) not in re.sub(r"\D", "", str(response.request.url))


def test_a_forged_or_missing_sheet_is_refused_with_a_message(client: TestClient) -> None:
    token = csrf_from(client.get("/track"))
    for sheet in ("", "forged.sheet.value", "x" * 5000):
        response = client.post("/receipt/download", data={"csrf_token": token,
                                                          "sheet": sheet})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        assert page(response).select_one("main h1") is not None
    assert client.post("/receipt/download", data={"sheet": "x"}).status_code == 403


def test_wrong_codes_from_many_clients_meet_a_global_limit(
        app: Any, db: Session, keys: IntakeKeys, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(entry, "RECEIPT_GLOBAL_LIMIT",
                        Limit("receipt-all", 4, timedelta(minutes=15)))
    case = make_case(db, keys, clock)
    statuses = []
    for n in range(6):  # six addresses, each far below the per-client limit
        with TestClient(app, base_url=BASE_URL, follow_redirects=False,
                        client=(f"203.0.113.{n}", 5000)) as other:
            statuses.append(enter_receipt(other, f"1234-{n}").status_code)
    assert statuses == [422] * 4 + [429] * 2
    with TestClient(app, base_url=BASE_URL, follow_redirects=False,
                    client=("198.51.100.9", 5000)) as citizen:
        blocked = enter_receipt(citizen, case.receipt)
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        clock.advance(minutes=15)
        assert enter_receipt(citizen, case.receipt).status_code == 303
