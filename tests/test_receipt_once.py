"""A receipt is shown once, to the browser that sent the form (issue 15).

Send answers with a redirect to the receipt page, which consumes a handover bound to the
sending browser's CSRF cookie. A retry after a lost answer, from the same browser within
the window, gets the receipt; the same form token posted from another browser, after the
window, or after the receipt was shown, gets "already sent" without the code. The same
holds for the moderators' hotline intake.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from moderation.intake.handover import HANDOVER_MINUTES, ReceiptHandover
from moderation.intake.keys import IntakeKeys
from moderation.intake.service import find_by_receipt
from moderation.roles import Role
from tests.conftest import csrf_from, login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_web import (
    CONTENT,
    NO_FILE,
    fields_of,
    receipt_of,
    send_data,
    submissions,
    tip_confirmation,
)

CONFIRM = "/submit/tip/confirm"


@pytest.fixture
def keys(app: Any) -> IntakeKeys:
    return app.state.intake_keys


def _as_another_browser(client: TestClient) -> None:
    """Forget this browser's cookies and take a fresh CSRF cookie, as another browser would."""
    client.cookies.clear()
    assert client.get("/submit/tip").status_code == 200


def _shows_no_code(response: Any, code: str | None = None) -> None:
    assert page(response).select_one("#receipt-code") is None
    if code is not None:
        assert code not in response.text
        assert code.replace("-", "") not in response.text


def test_a_retry_after_a_lost_answer_gets_the_receipt_once(
        client: TestClient, db: Session, keys: IntakeKeys) -> None:
    data = send_data(tip_confirmation(client))
    lost = client.post(CONFIRM, data=data)  # stored; its redirect never reached the browser
    assert lost.status_code == 303
    retry = client.post(CONFIRM, data=data)
    assert retry.status_code == 303
    assert retry.headers["location"] == "/submit/receipt"
    assert "receipt_handover=" in retry.headers["set-cookie"]
    shown = client.get("/submit/receipt")
    code = receipt_of(shown)
    assert find_by_receipt(db, keys, code) is not None
    assert submissions(db) == 1
    # The receipt page held the code once: reloading it, or Back and Send again, does not.
    reloaded = client.get("/submit/receipt")
    assert reloaded.status_code == 200
    _shows_no_code(reloaded, code)
    assert page(reloaded).select_one('a[href="/track"]') is not None
    resent = client.post(CONFIRM, data=data)
    assert resent.status_code == 409
    _shows_no_code(resent, code)
    assert submissions(db) == 1


def test_the_form_token_from_another_browser_never_shows_the_receipt(
        client: TestClient, db: Session) -> None:
    data = send_data(tip_confirmation(client))
    assert client.post(CONFIRM, data=data).status_code == 303  # the sender's answer, lost
    _as_another_browser(client)
    stolen = {**data, "csrf_token": csrf_from(client.get("/submit/tip"))}
    response = client.post(CONFIRM, data=stolen)
    assert response.status_code == 409
    _shows_no_code(response)
    assert "receipt_handover" not in response.headers.get("set-cookie", "")
    _shows_no_code(client.get("/submit/receipt"))
    assert submissions(db) == 1


def test_a_retry_after_the_window_shows_no_receipt(
        client: TestClient, db: Session, clock: FixedClock) -> None:
    data = send_data(tip_confirmation(client))
    assert client.post(CONFIRM, data=data).status_code == 303
    clock.advance(minutes=HANDOVER_MINUTES, seconds=1)
    late = client.post(CONFIRM, data=data)
    assert late.status_code == 409
    _shows_no_code(late)
    _shows_no_code(client.get("/submit/receipt"))  # the cookie outlived the window too
    assert submissions(db) == 1


def test_handover_rows_do_not_outlive_their_use(client: TestClient, db: Session,
                                                clock: FixedClock) -> None:
    receipt_of(_sent(client))
    db.expire_all()
    assert _handovers(db) == 0  # consumed by the receipt page
    assert client.post(CONFIRM, data=send_data(tip_confirmation(client))).status_code == 303
    clock.advance(minutes=HANDOVER_MINUTES + 1)
    assert client.post(CONFIRM, data=send_data(tip_confirmation(client))).status_code == 303
    db.expire_all()
    assert _handovers(db) == 1  # the expired one was purged


def _handovers(db: Session) -> int:
    return db.exec(select(func.count()).select_from(ReceiptHandover)).one()


def _sent(client: TestClient) -> Any:
    response = client.post(CONFIRM, data=send_data(tip_confirmation(client)))
    return client.get(response.headers["location"])


def _register(client: TestClient, form: Any) -> Any:
    fields = {**fields_of(form, "form.intake-form"), "kind": "tip", "channel": "phone",
              "content": CONTENT}
    return client.post("/staff/intake/new", data=fields, files=NO_FILE)


def test_hotline_receipt_is_shown_once_to_the_moderator_who_registered(
        client: TestClient, db: Session, make_user: Any, keys: IntakeKeys,
        clock: FixedClock) -> None:
    moderator = make_user(Role.moderator)
    login(client, moderator.username)
    form = client.get("/staff/intake/new")
    assert _register(client, form).status_code == 303  # answer lost
    retry = _register(client, form)
    assert retry.headers["location"] == "/staff/intake/receipt"
    code = receipt_of(client.get("/staff/intake/receipt"))
    assert find_by_receipt(db, keys, code) is not None
    _shows_no_code(client.get("/staff/intake/receipt"), code)
    again = _register(client, form)
    assert again.status_code == 409
    _shows_no_code(again, code)
    # Another moderator's browser with the same form token, and a late retry: no code.
    other = make_user(Role.moderator, username="moderator2")
    late_form = client.get("/staff/intake/new")
    assert _register(client, late_form).status_code == 303
    client.cookies.clear()
    login(client, other.username)
    stolen = {**fields_of(late_form, "form.intake-form"), "kind": "tip", "channel": "phone",
              "content": CONTENT, "csrf_token": csrf_from(client.get("/staff/intake/new"))}
    response = client.post("/staff/intake/new", data=stolen, files=NO_FILE)
    assert response.status_code == 409
    _shows_no_code(response)
    assert submissions(db) == 2
