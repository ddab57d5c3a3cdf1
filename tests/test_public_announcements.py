"""Public announcements: category filter, pagination, visibility, sanitising."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.content.models import Announcement, AnnouncementCategory, AnnouncementStatus
from portal.demo import load_demo
from tests.conftest import foreign_scripts, page

HOSTILE_HTML = ('<p>Fine</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>'
                '<img src="/media/x.png" onerror="alert(3)"><p onclick="alert(4)">y</p>')


def add_announcement(db, clock, title: str, *,  # type: ignore[no-untyped-def]
                     status: AnnouncementStatus = AnnouncementStatus.published,
                     category: AnnouncementCategory = AnnouncementCategory.news,
                     publish_in: timedelta | None = timedelta(days=-1),
                     body_html: str = "<p>Body</p>", pinned: bool = False,
                     commit: bool = True) -> Announcement:
    """Insert an announcement directly (as the press side would have stored it)."""
    item = Announcement(
        category=category, status=status, title={"zh_CN": title, "en": title},
        summary={"zh_CN": "", "en": ""}, body_markdown={}, pinned=pinned,
        body_html={"zh_CN": body_html, "en": body_html},
        publish_at=clock() + publish_in if publish_in is not None else None,
        created_at=clock(), updated_at=clock(),
    )
    db.add(item)
    if commit:
        db.commit()
        db.refresh(item)
    return item


def titles(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_text(strip=True) for a in page(response).select(".announcement-title a")]


@pytest.fixture
def hidden(db, clock) -> list[Announcement]:  # type: ignore[no-untyped-def]
    """Announcements the public must never see."""
    return [
        add_announcement(db, clock, "draft-one", status=AnnouncementStatus.draft),
        add_announcement(db, clock, "archived-one", status=AnnouncementStatus.archived),
        add_announcement(db, clock, "scheduled-later", status=AnnouncementStatus.scheduled,
                         publish_in=timedelta(hours=2)),
        add_announcement(db, clock, "published-later", publish_in=timedelta(days=3)),
        add_announcement(db, clock, "no-date", publish_in=None),
    ]


def test_category_filter_shows_only_that_category(client, db, clock) -> None:
    load_demo(db, clock)
    db.commit()
    response = client.get("/announcements?category=news", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    doc = page(response)
    badges = {b.get_text(strip=True) for b in doc.select(".announcement-item .badge-category")}
    assert badges == {"News"}
    assert len(doc.select(".announcement-item")) == 4
    current = doc.select_one('.category-nav a[aria-current="page"]')
    assert current["href"] == "/announcements?category=news"
    assert len(titles(client.get("/announcements"))) == 8


@pytest.mark.parametrize("value", ["nonsense", "NEWS", "<script>", "news%00"])
def test_unknown_category_is_a_translated_404(client, value: str) -> None:
    response = client.get(f"/announcements?category={value}",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert page(response).select_one("h1").get_text() == "Page not found"


def test_pagination_pages_by_ten(client, db, clock) -> None:
    for n in range(23):
        add_announcement(db, clock, f"item-{n:02d}", publish_in=timedelta(hours=-(n + 1)),
                         commit=False)
    db.commit()
    first = client.get("/announcements")
    assert titles(first) == [f"item-{n:02d}" for n in range(10)]
    nav = page(first).select_one("nav.pagination")
    assert nav.select_one('a[rel="next"]')["href"] == "/announcements?page=2"
    assert nav.select_one('a[rel="prev"]') is None
    third = client.get("/announcements?page=3")
    assert titles(third) == [f"item-{n:02d}" for n in range(20, 23)]
    assert page(third).select_one('nav.pagination a[rel="next"]') is None
    assert client.get("/announcements?page=4").status_code == 404


def test_pagination_keeps_the_category(client, db, clock) -> None:
    for n in range(11):
        add_announcement(db, clock, f"hero-{n}", category=AnnouncementCategory.hero_story,
                         commit=False)
    db.commit()
    doc = page(client.get("/announcements?category=hero_story"))
    assert (doc.select_one('nav.pagination a[rel="next"]')["href"]
            == "/announcements?category=hero_story&page=2")
    assert len(titles(client.get("/announcements?category=hero_story&page=2"))) == 1


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "１", "99999999999999999999",
                                   "2%20", "1e3"])
def test_bad_page_numbers_are_400_not_500(client, value: str) -> None:
    response = client.get(f"/announcements?page={value}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert page(response).select_one("h1").get_text() == "Bad request"


def test_empty_list_is_fine(client) -> None:
    response = client.get("/announcements")
    assert response.status_code == 200
    assert titles(response) == []


def test_pinned_come_first(client, db, clock) -> None:
    add_announcement(db, clock, "older-pinned", publish_in=timedelta(days=-9), pinned=True)
    add_announcement(db, clock, "newer", publish_in=timedelta(days=-1))
    assert titles(client.get("/announcements")) == ["older-pinned", "newer"]


def test_hidden_announcements_are_absent_everywhere(client, db, clock, hidden) -> None:
    visible = add_announcement(db, clock, "visible-one")
    listed = titles(client.get("/announcements"))
    assert listed == ["visible-one"]
    assert client.get(f"/announcements/{visible.id}").status_code == 200
    for item in hidden:
        assert client.get(f"/announcements/{item.id}").status_code == 404
    feed = client.get("/feed.atom").text
    sitemap = client.get("/sitemap.xml").text
    for item in hidden:
        assert item.title["en"] not in feed
        assert f"/announcements/{item.id}<" not in sitemap
    assert f"/announcements/{visible.id}<" in sitemap


def test_scheduled_announcement_appears_once_its_time_has_come(client, db, clock) -> None:
    item = add_announcement(db, clock, "later", status=AnnouncementStatus.scheduled,
                            publish_in=timedelta(hours=2))
    assert client.get(f"/announcements/{item.id}").status_code == 404
    clock.advance(hours=2)
    assert client.get(f"/announcements/{item.id}").status_code == 200
    assert titles(client.get("/announcements")) == ["later"]


@pytest.mark.parametrize("path", ["/announcements/999", "/announcements/abc",
                                  "/announcements/99999999999999999999999",
                                  "/announcements/-1"])
def test_unknown_announcement_is_404(client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_detail_sanitises_stored_html_again(client, db, clock) -> None:
    item = add_announcement(db, clock, "hostile", body_html=HOSTILE_HTML)
    doc = page(client.get(f"/announcements/{item.id}"))
    prose = doc.select_one(".prose")
    assert prose.select_one("p").get_text() == "Fine"
    assert not foreign_scripts(doc)
    assert not [t for t in prose.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert not [a for a in prose.select("a[href]") if "javascript" in a["href"]]
    assert doc.select_one("article h1").get_text() == "hostile"


def test_detail_escapes_the_title(client, db, clock) -> None:
    item = add_announcement(db, clock, "<b>bold</b>")
    doc = page(client.get(f"/announcements/{item.id}"))
    assert doc.select_one("article h1").get_text() == "<b>bold</b>"
    assert doc.select_one("article h1 b") is None
