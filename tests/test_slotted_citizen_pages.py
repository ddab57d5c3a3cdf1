"""The confirmation, the receipt and the answer to a receipt code that opens nothing are
rendered once per kind (or answer) and language with placeholders, and filled in per
request: each citizen sees only their own values, the stored copy holds none of them,
and nothing a citizen types is taken for a placeholder."""

from __future__ import annotations

from typing import Any

from moderation.roles import Role
from portal.slotted_pages import slot
from tests.conftest import login, page
from tests.test_auth import fast_hashing  # noqa: F401 - fixture
from tests.test_intake_web import receipt_of, send, tip_confirmation
from tests.test_receipt_once import _register
from tests.test_track import enter_receipt


def facts(response: Any) -> dict[str, str]:
    """The receipt page's facts list, term to value."""
    box = page(response).select_one(".receipt-box dl.facts")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
            for dt in box.select("dt")}


def stored_bodies(app: Any) -> bytes:
    return b"".join(entry.body for entry in app.state.slotted_pages.entries.values())


def test_each_receipt_page_shows_its_own_values_and_the_stored_copy_none(client, app) -> None:  # type: ignore[no-untyped-def]
    shown = []
    for _ in range(2):
        receipt = send(client, tip_confirmation(client))
        code = receipt_of(receipt)
        doc = page(receipt)
        shown.append((code, facts(receipt), doc.select_one("#proof-text").get_text(),
                      doc.select_one("input[name=sheet]")["value"]))
    (first, first_facts, first_proof, first_sheet), (second, second_facts, _, _) = shown
    assert first != second
    assert first_facts["编号"] != second_facts["编号"]
    assert first_facts["编号"] in first_proof
    assert first_facts["接收日期"] == "2026年6月1日"
    assert first_facts["受理决定期限"].startswith("2026年6月")
    assert first_sheet
    assert "slot-" not in first_sheet
    stored = stored_bodies(app)
    assert b"receipt-code" in stored, "the receipt page came from the stored copy"
    for code, values, _proof, sheet in shown:
        for secret in (code, values["编号"], sheet):
            assert secret.encode() not in stored


def test_a_receipt_page_in_each_language(client) -> None:  # type: ignore[no-untyped-def]
    chinese = send(client, tip_confirmation(client))
    client.get("/lang/en")
    english = send(client, tip_confirmation(client))
    assert page(chinese).h1.get_text(strip=True) == "您的举报已收到"
    assert page(english).h1.get_text(strip=True) == "Your report has been received"
    assert facts(english)["Received on"] == "June 1, 2026"


def test_the_confirmation_shows_the_citizens_text_verbatim(client) -> None:  # type: ignore[no-untyped-def]
    """Even a placeholder typed into the form is shown as typed, never filled in."""
    text = f"派出所民警拖延办事 {slot('form_token')} {slot('csrf')} <b>粗体</b>"
    confirmation = tip_confirmation(client, content=text)
    doc = page(confirmation)
    assert text in doc.select_one(".confirm-summary").get_text()
    assert doc.select_one(".confirm-summary b") is None
    token = doc.select_one("form.confirm-actions input[name=form_token]")["value"]
    assert token
    assert "slot-" not in token


def test_a_wrong_receipt_code_comes_back_as_typed(client, app) -> None:  # type: ignore[no-untyped-def]
    typed = [f'12345-"><b>x</b> {slot("csrf")}', "98765-43210"]
    answers = [enter_receipt(client, code) for code in typed]
    for code, answer in zip(typed, answers, strict=True):
        assert answer.status_code == 422
        doc = page(answer)
        assert doc.select_one("#f-receipt")["value"] == code
        assert doc.select_one("#f-receipt-error").get_text(strip=True)
        assert doc.select_one("form.track-form b") is None
    stored = stored_bodies(app)
    assert b"f-receipt-error" in stored, "the answer came from the stored copy"
    assert b"98765" not in stored


def test_the_staff_receipt_page_is_still_rendered_whole(client, app, make_user) -> None:  # type: ignore[no-untyped-def]
    """A call registered by a moderator: the same receipt partial, with its dates."""
    login(client, make_user(Role.moderator).username)
    assert _register(client, client.get("/staff/intake/new")).status_code == 303
    shown = client.get("/staff/intake/receipt")
    code = receipt_of(shown)
    assert facts(shown)["接收日期"] == "2026年6月1日"
    assert facts(shown)["受理决定期限"].startswith("2026年6月")
    assert code.encode() not in stored_bodies(app)
