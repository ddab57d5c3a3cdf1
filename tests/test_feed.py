"""The Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest

from portal.content.models import AnnouncementStatus
from portal.demo import load_demo
from tests.test_public_announcements import HOSTILE_HTML, add_announcement

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(response) -> ET.Element:  # type: ignore[no-untyped-def]
    """Parse our own XML output; it must be well-formed."""
    return ET.fromstring(response.content)  # noqa: S314 - the app's own response


@pytest.fixture
def demo(db, clock):  # type: ignore[no-untyped-def]
    load_demo(db, clock)
    db.commit()


@pytest.mark.usefixtures("demo")
def test_feed_is_valid_atom(client) -> None:
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = parse(response)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feed.atom"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 8
    for entry in entries:
        for required in ("id", "title", "updated", "published", "content"):
            assert entry.find(f"{ATOM}{required}") is not None
        assert entry.find(f"{ATOM}content").get("type") == "html"
        assert entry.find(f"{ATOM}content").text.startswith("<p>")
    assert entries[0].find(f"{ATOM}title").text == "市政法队伍教育整顿“回头看”工作部署会议召开"


@pytest.mark.usefixtures("demo")
def test_feed_follows_the_language(client) -> None:
    client.cookies.set("lang", "en")
    root = parse(client.get("/feed.atom"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.find(f"{ATOM}entry/{ATOM}title").text.startswith("City launches")


def test_feed_content_is_sanitised_and_escaped(client, db, clock) -> None:
    add_announcement(db, clock, "hostile <title> & \x0b co", body_html=HOSTILE_HTML)
    response = client.get("/feed.atom")
    assert "<script" not in response.text  # the escaped markup carries no script either
    root = parse(response)
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "hostile <title> &  co"
    content = entry.find(f"{ATOM}content").text
    assert "<p>Fine</p>" in content
    for bad in ("<script", "javascript:", "onerror", "onclick"):
        assert bad not in content


def test_feed_and_sitemap_leave_out_what_is_not_public(client, db, clock) -> None:
    shown = add_announcement(db, clock, "shown")
    for title, status, delta in [("draft", AnnouncementStatus.draft, -1),
                                 ("archived", AnnouncementStatus.archived, -1),
                                 ("future", AnnouncementStatus.scheduled, 1)]:
        add_announcement(db, clock, title, status=status, publish_in=timedelta(days=delta))
    root = parse(client.get("/feed.atom"))
    assert [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")] == ["shown"]
    sitemap = parse(client.get("/sitemap.xml"))
    locs = [loc.text for loc in sitemap.iter(f"{SITEMAP}loc")]
    announcement_urls = [u for u in locs if "/announcements/" in u]
    assert announcement_urls == [f"http://testserver/announcements/{shown.id}"]


def test_empty_feed_is_still_valid(client) -> None:
    root = parse(client.get("/feed.atom"))
    assert root.findall(f"{ATOM}entry") == []
    assert root.find(f"{ATOM}updated").text.endswith("Z")


@pytest.mark.usefixtures("demo")
def test_sitemap_lists_the_public_pages(client) -> None:
    response = client.get("/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    root = parse(response)
    assert root.tag == f"{SITEMAP}urlset"
    locs = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    for path in ("/", "/pledges", "/announcements", "/how-to-report"):
        assert f"http://testserver{path}" in locs
    assert len([u for u in locs if "/announcements/" in u]) == 8


def test_robots_keeps_crawlers_out_of_private_areas(client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    rules = {line.split(": ", 1)[1] for line in response.text.splitlines()
             if line.startswith("Disallow: ")}
    assert {"/staff", "/track", "/submit"} <= rules
    assert "Sitemap: http://testserver/sitemap.xml" in response.text
