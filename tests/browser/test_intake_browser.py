"""A citizen sends a tip with three files in real Chromium, with JavaScript on and off,
gets a receipt and opens the case with it (acceptance 1); axe finds no violations on
the form, the confirmation and the receipt page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from moderation.intake.models import Submission, SubmissionFile
from moderation.units import Unit
from tests.browser.conftest import axe_violations
from tests.test_intake_sanitize import jpeg_with_gps, pdf_with_author

pytestmark = pytest.mark.browser
CONTENT = "派出所民警在办理户口时索要好处费，拖延不办，还态度恶劣。"


def no_violations(page, javascript: bool) -> None:  # type: ignore[no-untyped-def]
    # axe runs inside the page: with JavaScript off its timers never fire and the check
    # would wait forever. The markup is the same either way, so it is checked once.
    if not javascript:
        return
    violations = axe_violations(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []


@pytest.fixture
def evidence(tmp_path: Path) -> list[str]:
    files = {"photo.jpg": jpeg_with_gps(), "statement.pdf": pdf_with_author(),
             "notes.txt": "通话记录 call notes\n".encode()}
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_citizen_sends_a_tip_with_three_files(
        request, live_server, db: Session, evidence: list[str],  # type: ignore[no-untyped-def]
        javascript: bool) -> None:
    unit = Unit(code="psb-b", name={"zh_CN": "某派出所", "en": "A police station"})
    db.add(unit)
    db.commit()
    page = request.getfixturevalue("browser_page" if javascript else "nojs_page")
    url = live_server.url

    page.goto(url + "/submit")
    no_violations(page, javascript)
    page.goto(url + "/submit/tip")
    no_violations(page, javascript)
    page.select_option("#f-unit_concerned_id", value=str(unit.id))
    page.fill("#f-content", CONTENT)
    page.check("#f-when_unsure")
    page.set_input_files("#f-evidence", evidence)
    if javascript:
        # The enhancements: a character count, the list of chosen files, contact fields
        # shown only once "real-name" is chosen.
        assert page.locator("#f-content-count").is_visible()
        assert page.locator("#f-evidence-list li").count() == 3
        assert not page.locator("#f-contact_name").is_visible()
        page.check("#f-identity-real_name")
        assert page.locator("#f-contact_name").is_visible()
        page.fill("#f-contact_name", "张三")
        page.fill("#f-contact_phone", "13900001111")
    with page.expect_navigation():
        page.click("form.intake-form button[type=submit]")

    assert page.locator("table.confirm-files tbody tr").count() == 3
    names = page.locator("table.confirm-files td.file-name").all_inner_texts()
    assert names == ["photo.jpg", "statement.pdf", "notes.txt"]
    no_violations(page, javascript)
    with page.expect_navigation():
        page.click("button[name=action][value=send]")

    code = page.locator("#receipt-code").inner_text().replace("\n", "")
    assert re.fullmatch(r"\d{5}(-\d{5}){4}", code), code
    # Download works everywhere; copy and print buttons need JavaScript.
    assert page.locator(".receipt-tools form[action='/receipt/download']").is_visible()
    assert page.locator(".receipt-tools button[data-print]").is_visible() is javascript
    assert page.locator("#receipt-print-hint").is_visible() is not javascript
    no_violations(page, javascript)
    proof = page.locator("#proof-text").input_value()
    db.expire_all()
    submission = db.exec(select(Submission)).one()
    assert submission.anonymous is not javascript
    assert len(list(db.exec(select(SubmissionFile)))) == 3

    if page.locator('a[href="/track"]').count():
        page.goto(url + "/track")
        page.fill("#f-receipt", code)
        page.click("form.track-form button[type=submit]")
        page.wait_for_url(url + "/track/case")
        assert page.locator(".track-reference").inner_text().strip() == submission.reference

    page.goto(url + "/verify")
    page.fill("#f-proof", proof)
    with page.expect_navigation():
        page.click("form.verify-form button[type=submit]")
    assert page.locator(".verify-valid .reference").inner_text() == submission.reference
    no_violations(page, javascript)
