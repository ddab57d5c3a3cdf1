"""Every public page links to the follow-up page, and every indexable one can be found
and shared: a description, a canonical address, hreflang alternates and Open Graph
tags, all built from BASE_URL. A crawler walks the site from the home page."""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from moderation.clock import FixedClock
from portal.demo import load_demo
from portal.seo import NOT_INDEXED
from tests.conftest import BASE_URL, page

# Files, feeds, switches (language, elder mode) and the staff area are not pages to walk.
SKIP = ("/static/", "/media/", "/lang/", "/view/", "/feed.atom", "/sitemap.xml", "/robots.txt",
        "/staff")


@pytest.fixture
def demo(db: Session, clock: FixedClock) -> None:
    load_demo(db, clock)
    db.commit()


def crawl(client: TestClient, start: str = "/", limit: int = 60) -> dict[str, object]:
    """GET every same-site page reachable by links from `start` (one per path)."""
    seen: dict[str, object] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        if not response.headers["content-type"].startswith("text/html"):
            continue  # downloads (CSV)
        seen[path] = response
        for link in page(response).select("a[href]"):
            target = urlsplit(urljoin(BASE_URL + path, link["href"]))
            if target.netloc != urlsplit(BASE_URL).netloc or target.path.startswith(SKIP):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


@pytest.mark.usefixtures("demo")
def test_every_public_page_links_to_the_follow_up_page_and_can_be_found(
        client: TestClient) -> None:
    pages = crawl(client)
    paths = {urlsplit(p).path for p in pages}
    # The walk reached every kind of public page, and the citizen's pages too.
    assert {"/", "/pledges", "/how-to-report", "/announcements", "/ledger", "/statistics",
            "/track", "/submit", "/submit/tip", "/submit/suggestion"} <= paths
    assert any(p.startswith("/announcements/") for p in paths)
    assert any(p.startswith("/ledger/") for p in paths)
    for path, response in pages.items():
        doc = page(response)
        assert doc.select_one('header a[href="/track"]') is not None, path
        assert doc.select_one('footer a[href="/track"]') is not None, path
        description = doc.select_one('meta[name="description"]')
        assert description is not None, path
        assert len(description["content"].strip()) >= 10, path
        if urlsplit(path).path.startswith(NOT_INDEXED):
            assert doc.select_one('meta[name="robots"]')["content"].startswith("noindex"), path
            assert doc.select_one('link[rel="canonical"]') is None, path
            continue
        canonical = doc.select_one('link[rel="canonical"]')["href"]
        assert canonical == BASE_URL + path, path  # the default language has no ?lang
        alternates = {a["hreflang"]: a["href"]
                      for a in doc.select('link[rel="alternate"][hreflang]')}
        assert set(alternates) == {"zh-CN", "en", "x-default"}, path
        assert alternates["zh-CN"] == alternates["x-default"] == canonical
        assert "lang=en" in alternates["en"]
        assert doc.select_one('meta[property="og:title"]')["content"], path
        assert doc.select_one('meta[property="og:description"]')["content"] == \
            description["content"]
        assert doc.select_one('meta[property="og:url"]')["content"] == canonical
        icon = doc.select_one('link[rel="icon"]')["href"]
        assert client.get(icon).status_code == 200
    home = page(pages["/"])
    assert home.select_one('.hero a[href="/track"]') is not None
    assert home.select_one('.contact a[href="/track"]') is not None  # next to the hotline
    assert home.select_one("a.button-cta")["href"] == "/submit"
    assert page(pages["/how-to-report"]).select_one('main a[href="/track"]') is not None


@pytest.mark.usefixtures("demo")
def test_language_versions_have_their_own_addresses_from_base_url(client: TestClient) -> None:
    response = client.get("/announcements?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "set-cookie" not in response.headers or "lang=" not in response.headers["set-cookie"]
    doc = page(response)
    assert doc.html["lang"] == "en"
    assert doc.select_one('link[rel="canonical"]')["href"] == f"{BASE_URL}/announcements?lang=en"
    assert doc.select_one('meta[property="og:locale"]')["content"] == "en"
    # The language switch never carries ?lang, which would override the choice.
    switch = doc.select_one('.lang-switch a[hreflang="zh-CN"]')["href"]
    assert switch == "/lang/zh_CN?next=/announcements"
    assert page(client.get("/announcements")).html["lang"] == "zh-CN"  # nothing remembered
    # A forged Host header never reaches the addresses.
    forged = client.get("/pledges", headers={"Host": "evil.example"})
    if forged.status_code == 200:
        assert page(forged).select_one('link[rel="canonical"]')["href"] == \
            f"{BASE_URL}/pledges"


def test_error_pages_are_not_indexed(client: TestClient) -> None:
    doc = page(client.get("/no-such-page"))
    assert doc.select_one('meta[name="robots"]')["content"].startswith("noindex")
    assert doc.select_one('link[rel="canonical"]') is None
