"""A citizen follows their case in real Chromium, with JavaScript on and off; axe finds
no accessibility violations on the track pages."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake import followup
from moderation.intake.keys import IntakeKeys
from moderation.roles import Role
from portal.settings import Settings
from tests.browser.conftest import axe_violations
from tests.test_followup import Case, conclude, make_case, staff_actor

pytestmark = pytest.mark.browser


@pytest.fixture
def case(db: Session, settings: Settings, clock: FixedClock) -> Case:
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    return make_case(db, keys, clock)


def no_violations(page) -> None:  # type: ignore[no-untyped-def]
    violations = axe_violations(page)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []


def open_case(page, url: str, receipt: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/track")
    page.fill("#f-receipt", receipt)
    page.click("form.track-form button[type=submit]")
    page.wait_for_url(url + "/track/case")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_citizen_tracks_a_case_and_adds_a_message(
        request, live_server, case: Case, db: Session, clock: FixedClock, make_user,  # type: ignore[no-untyped-def]
        javascript: bool) -> None:
    page = request.getfixturevalue("browser_page" if javascript else "nojs_page")
    page.set_default_timeout(15_000)
    # axe runs as a script in the page, so it checks the pages of the JavaScript run.
    check = no_violations if javascript else (lambda _page: None)
    actor = staff_actor(db, make_user, Role.moderator, username="moderator1")
    followup.ask_question(db, actor, case.submission, "请补充事情发生的具体时间。", clock)
    db.commit()

    page.goto(live_server.url + "/track")
    check(page)
    page.fill("#f-receipt", "wrong receipt")
    with page.expect_navigation():
        page.click("form.track-form button[type=submit]")
    assert page.locator("#f-receipt-error").is_visible()
    check(page)

    open_case(page, live_server.url, case.receipt)
    assert page.locator(".track-status-label").is_visible()
    assert page.locator(".track-question .track-body").inner_text() == \
        "请补充事情发生的具体时间。"
    check(page)

    page.fill("#f-message-body", "补充：当天还有一名证人在场。")
    page.set_input_files("#f-message-files", files=[
        {"name": "证人说明.txt", "mimeType": "text/plain",
         "buffer": "证人姓李，当天在窗口排队。\n".encode()}])
    page.click('form[action="/track/case/message"] button[type=submit]')
    page.wait_for_url(live_server.url + "/track/case?done=message")
    bodies = page.locator(".track-message .track-body").all_inner_texts()
    assert "补充：当天还有一名证人在场。" in bodies
    assert page.locator(".track-message .track-files li").all_inner_texts() == ["证人说明.txt"]
    check(page)

    page.click(".track-sign-out button")
    page.wait_for_url(live_server.url + "/track?signed_out=1")
    page.goto(live_server.url + "/track/case")
    assert page.url == live_server.url + "/track?ended=1"


def test_concluded_case_forms_are_accessible(live_server, browser_page, case: Case,  # type: ignore[no-untyped-def]
                                             db: Session, clock: FixedClock) -> None:
    conclude(db, case.submission, clock)
    open_case(browser_page, live_server.url, case.receipt)
    assert browser_page.locator('form[action="/track/case/rating"]').is_visible()
    assert browser_page.locator('form[action="/track/case/review"]').is_visible()
    no_violations(browser_page)
    with browser_page.expect_navigation():  # no choice made
        browser_page.click('form[action="/track/case/rating"] button[type=submit]')
    assert browser_page.locator("#f-rating-error").is_visible()
    no_violations(browser_page)
    browser_page.check("#f-rating-satisfied")
    browser_page.click('form[action="/track/case/rating"] button[type=submit]')
    browser_page.wait_for_url(live_server.url + "/track/case?done=rating")
    assert browser_page.locator('form[action="/track/case/rating"]').count() == 0
