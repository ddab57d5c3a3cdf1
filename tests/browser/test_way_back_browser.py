"""Acceptance: from the home page, with JavaScript off, a citizen reaches the follow-up
page in one click, types their receipt in full-width digits with spaces, and sees their
case."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from portal.settings import Settings
from tests.test_followup import make_case

pytestmark = pytest.mark.browser

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_citizen_finds_the_way_back_without_javascript(
        live_server, nojs_page, db: Session, settings: Settings, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    keys = IntakeKeys.from_secrets(settings.secret_key, settings.encryption_key)
    case = make_case(db, keys, clock)
    page = nojs_page
    page.set_default_timeout(15_000)

    page.goto(live_server.url + "/")
    page.locator("header .nav-track a").click()  # one click from the home page
    page.wait_for_url(live_server.url + "/track")
    assert page.locator("h1").inner_text() == "查询办理进度"

    typed = " ".join(case.receipt.split("-")).translate(FULL_WIDTH)
    assert typed != case.receipt
    page.fill("#f-receipt", typed)
    page.click("form.track-form button[type=submit]")
    page.wait_for_url(live_server.url + "/track/case")
    assert page.locator(".track-reference").inner_text() == case.submission.reference
    assert page.locator(".track-status-label").inner_text() == "已接收"
    steps = page.locator("ol.track-history .step-title").all_inner_texts()
    assert steps == ["已接收"]
    assert "Marker-content-7731" in page.locator(".track-sent-body").inner_text()
