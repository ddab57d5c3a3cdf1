"""The micro-cache of public pages: reused, emptied by any commit, never personal."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal.content.models import Campaign
from portal.demo import load_demo
from tests.conftest import csrf_from, page


@pytest.fixture
def demo(db, clock):  # type: ignore[no-untyped-def]
    load_demo(db, clock=clock)
    db.commit()


@pytest.mark.usefixtures("demo")
def test_repeated_home_page_is_served_without_queries(client, statements) -> None:
    first = client.get("/")
    assert first.status_code == 200
    assert statements, "the first view reads the database"
    statements.clear()
    second = client.get("/")
    assert second.text == first.text
    assert statements == []
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]


@pytest.mark.usefixtures("demo")
def test_each_language_has_its_own_copy(client) -> None:
    chinese = page(client.get("/")).html["lang"]
    english = page(client.get("/", headers={"Accept-Language": "en"})).html["lang"]
    assert (chinese, english) == ("zh-CN", "en")


@pytest.mark.usefixtures("demo")
def test_a_commit_empties_the_cache(client, db) -> None:
    assert "新名称" not in client.get("/").text
    campaign = db.exec(select(Campaign)).one()
    campaign.name = {**campaign.name, "zh_CN": "新名称"}
    db.add(campaign)
    db.commit()
    assert page(client.get("/")).select_one("main h1").get_text(strip=True) == "新名称"


@pytest.mark.usefixtures("demo")
def test_the_clock_minute_is_part_of_the_key(client, clock, statements) -> None:
    client.get("/announcements")
    statements.clear()
    clock.advance(minutes=1)
    client.get("/announcements")
    assert statements, "a new minute renders again (scheduled items may have come due)"


def test_pages_with_forms_are_never_cached(client) -> None:
    first = csrf_from(client.get("/submit/tip"))
    client.cookies.clear()
    second = csrf_from(client.get("/submit/tip"))
    assert first != second


@pytest.mark.usefixtures("demo")
def test_setting_zero_turns_it_off(settings, engine, clock, statements) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from starlette.testclient import TestClient

    from portal.app import create_app
    from tests.conftest import BASE_URL

    app = create_app(dataclasses.replace(settings, public_cache_seconds=0,
                                         data_cache_seconds=0), engine=engine, clock=clock)
    with TestClient(app, base_url=BASE_URL) as uncached:
        uncached.get("/")
        statements.clear()
        uncached.get("/")
    assert statements
