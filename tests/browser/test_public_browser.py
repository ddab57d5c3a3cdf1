"""Issue 2 in real Chromium: public pages in both languages, switching language,
a press user publishing an announcement that then shows on the home page, and
axe-core on every public page."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from moderation.roles import Role
from portal.content.models import Announcement
from portal.demo import load_demo
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PUBLIC_PATHS = ["/", "/pledges", "/how-to-report", "/announcements", "/no-such-page"]


@pytest.fixture
def demo(engine, clock) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        load_demo(session, clock=clock)
        session.commit()
        first = session.exec(select(Announcement).order_by(Announcement.id)).first()
        assert first is not None
        return first.id  # type: ignore[return-value]


def test_home_page_in_chinese_then_switch_to_english(live_server, demo, browser_page) -> None:
    # The home page logs no console error: no failed load (favicon included), no CSP
    # violation, no script error.
    problems: list[str] = []
    browser_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    browser_page.on("pageerror", lambda e: problems.append(str(e)))
    browser_page.goto(live_server.url + "/")
    browser_page.wait_for_load_state("networkidle")
    assert problems == []
    assert browser_page.locator("html").get_attribute("lang") == "zh-CN"
    heading = browser_page.locator("h1").inner_text()
    assert "政法队伍教育整顿" in heading

    browser_page.locator(".lang-switch a[hreflang=en]").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("html").get_attribute("lang") == "en"
    assert browser_page.url.rstrip("/") == live_server.url
    assert "education and rectification" in browser_page.locator("h1").inner_text().lower()

    # The choice is remembered on the next page.
    browser_page.goto(live_server.url + "/pledges")
    assert browser_page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_have_no_axe_violations(live_server, demo, browser, locale, path) -> None:
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == locale
        violations = axe_violations(page)
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    finally:
        context.close()


def test_announcement_detail_has_no_axe_violations(live_server, demo, browser_page) -> None:
    browser_page.goto(f"{live_server.url}/announcements/{demo}")
    assert browser_page.locator("h1").count() == 1
    assert axe_violations(browser_page) == []


def test_press_user_publishes_announcement_shown_on_home(
    live_server, demo, make_user, browser_page
) -> None:
    make_user(Role.press, username="press1")
    page = browser_page
    page.goto(live_server.url + "/staff/login")
    page.locator("input[name=username]").fill("press1")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit], main form button").first.click()
    page.wait_for_url(live_server.url + "/staff/")

    page.goto(live_server.url + "/staff/announcements/new")
    page.select_option("#f-category", "news")
    page.fill("#f-title_zh_CN", "浏览器发布测试公告")
    page.fill("#f-title_en", "Browser publishing test")
    page.fill("#f-summary_zh_CN", "由宣传人员在浏览器中发布。")
    page.fill("#f-body_markdown_zh_CN", "正文 **加粗** <script>alert(1)</script>")
    page.locator("button[name=action][value=publish]").click()
    page.wait_for_load_state()
    assert page.locator(".flash, [role=status]").count() >= 1

    page.goto(live_server.url + "/")
    titles = page.locator("main").inner_text()
    assert "浏览器发布测试公告" in titles
    page.get_by_role("link", name="浏览器发布测试公告").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "浏览器发布测试公告"
    assert page.locator("main script").count() == 0
    assert page.locator("main strong").inner_text() == "加粗"
