"""The browser harness works: Chromium loads the home page from the live server."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_home_page_loads_in_chromium(live_server, browser_page) -> None:
    response = browser_page.goto(live_server.url + "/")
    assert response.status == 200
    assert browser_page.locator("html").get_attribute("lang") == "zh-CN"
    violations = axe_violations(browser_page)
    assert [v["id"] for v in violations] == []
