"""Acceptance 6 in real Chromium: the statistics page, the ledger and an item page pass
axe-core; the charts are images with text alternatives, each followed by its table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from moderation.intake.models import SubmissionState
from moderation.ledger.models import EntryKind, LedgerEntry, LedgerItem
from moderation.roles import Role
from portal.demo import load_demo
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.ledger_support import make_submission

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(engine, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The demo campaign and ledger, plus eight concluded web tips for the charts."""
    with Session(engine) as session:
        load_demo(session, clock=clock)
        for _ in range(8):
            make_submission(session, state=SubmissionState.concluded,
                            received_at=datetime(2026, 5, 3, 8, tzinfo=UTC),
                            decided_at=datetime(2026, 5, 4, 8, tzinfo=UTC))
        session.commit()
        relapsed = session.exec(select(LedgerEntry.item_id)
                                .where(LedgerEntry.kind == EntryKind.relapse)).first()
        public = session.exec(select(LedgerItem.id).where(LedgerItem.public == True)  # noqa: E712
                              .order_by(LedgerItem.id)).first()
        assert relapsed is not None
        assert public is not None
        return {"relapsed": relapsed, "first": public}


def check_axe(browser, url: str, locale: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == locale
        violations = axe_violations(page)
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_statistics_and_ledger_pages_have_no_axe_violations(live_server, demo, browser,
                                                           locale) -> None:
    for path in ("/statistics", "/ledger", f"/ledger/{demo['relapsed']}",
                 f"/ledger/{demo['first']}"):
        check_axe(browser, live_server.url + path, locale)


def test_charts_have_text_alternatives_and_tables(live_server, demo, browser_page) -> None:
    page = browser_page
    page.goto(live_server.url + "/statistics")
    charts = page.locator("svg.chart-svg")
    assert charts.count() == 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        title = chart.locator("title").text_content()
        assert title
        # Chromium's accessibility tree names the image by its <title> and <desc>.
        assert page.get_by_role("img", name=title).count() >= 1
        assert chart.bounding_box()["width"] > 100
        # The numbers follow as a table with a caption and row headers.
        table = chart.locator("xpath=ancestor::div[contains(@class,'chart')]"
                              "/following-sibling::div[1]//table")
        assert table.locator("caption").count() == 1
        assert table.locator("tbody th[scope=row]").count() >= 1
    kinds = page.locator("#kinds-table tbody tr").first.locator("td")
    assert kinds.all_text_contents() == ["8", "8", "8"]


def test_item_page_works_without_javascript(live_server, demo, nojs_page) -> None:
    nojs_page.goto(f"{live_server.url}/ledger/{demo['relapsed']}")
    assert nojs_page.locator("progress#item-progress").count() == 1
    assert nojs_page.locator(".relapse-reason").count() == 1
    nojs_page.goto(f"{live_server.url}/ledger")
    nojs_page.select_option("#f-status", "verified")
    nojs_page.locator("form.ledger-filters button[type=submit]").click()
    nojs_page.wait_for_load_state()
    assert "status=verified" in nojs_page.url
    assert nojs_page.locator(".ledger-item").count() >= 1


def test_staff_item_page_has_no_axe_violations(live_server, demo, make_user,
                                               browser_page) -> None:
    make_user(Role.moderator, username="moderator1")
    page = browser_page
    page.goto(live_server.url + "/staff/login")
    page.locator("input[name=username]").fill("moderator1")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button").first.click()
    page.wait_for_url(live_server.url + "/staff/")
    for path in (f"/staff/ledger/{demo['first']}", "/staff/ledger"):
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
