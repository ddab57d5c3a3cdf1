"""Acceptance 5 in real Chromium: a browser that signed in before gets in while a
guesser (another client, here from the same loopback address) has blocked the account
and the address for everyone else; an admin, signed in before the attack, sees the block
and lifts it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tests.test_auth import fast_hashing  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[method=post] button[type=submit]")


def guess(browser, url: str, username: str, times: int) -> list[int]:  # type: ignore[no-untyped-def]
    """A guesser without the owner's browser: wrong passwords through the real form."""
    statuses = []
    context = browser.new_context()
    try:
        for _ in range(times):
            form = BeautifulSoup(context.request.get(url + "/staff/login").text(),
                                 "html.parser")
            token = form.select_one("input[name=csrf_token]")["value"]
            statuses.append(context.request.post(url + "/staff/login", form={
                "csrf_token": token, "username": username,
                "password": "not the password"}, headers={"Origin": url}).status)
    finally:
        context.close()
    return statuses


def test_known_browser_signs_in_during_a_lockout_attack(live_server, browser, make_user,
                                                        settings) -> None:
    make_user("moderator")
    make_user("admin")
    owner = browser.new_context(locale="zh-CN")
    stranger = browser.new_context(locale="zh-CN")
    admin = browser.new_context(locale="en")
    try:
        desk = admin.new_page()  # the admin was at work before the attack began
        sign_in(desk, live_server.url, "admin1")
        desk.wait_for_url("**/staff/")
        page = owner.new_page()
        sign_in(page, live_server.url, "moderator1")
        page.wait_for_url("**/staff/")
        page.click("form[action='/staff/logout'] button")
        page.wait_for_url("**/staff/login")

        attempts = settings.login_max_failures + 2
        assert guess(browser, live_server.url, "moderator1", attempts)[-1] == 429

        other = stranger.new_page()
        sign_in(other, live_server.url, "moderator1")
        assert other.locator("h1").inner_text() == "尝试次数过多"

        sign_in(page, live_server.url, "moderator1")
        page.wait_for_url("**/staff/")
        assert page.locator("h1").inner_text() == "工作台"

        desk.goto(live_server.url + "/staff/")
        desk.click("a[href='/staff/admin/sign-in-blocks']")
        row = desk.locator("table.block-table tbody tr", has_text="moderator1")
        assert row.count() == 1
        assert [v["id"] for v in axe_violations(desk)] == []
        row.locator("button").click()
        desk.wait_for_url("**done=lifted")
        assert desk.locator("table.block-table tbody tr", has_text="moderator1").count() == 0
        address = desk.locator("table.block-table tbody tr")  # the guesser's address
        assert address.count() == 1
        address.locator("button").click()
        desk.wait_for_url("**done=lifted")
        assert desk.locator("main p.notice").count() == 1

        sign_in(other, live_server.url, "moderator1")
        other.wait_for_url("**/staff/")
    finally:
        for context in (owner, stranger, admin):
            context.close()
