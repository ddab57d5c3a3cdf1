"""The public replies list: filters (type, topic, unit, year), search, pages, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from moderation.clock import FixedClock
from moderation.intake.keys import IntakeKeys
from moderation.replies.queries import ReplyFilters, published_replies
from tests.conftest import page
from tests.replies_support import conclude, publish, suggest, topic
from tests.workflow_support import World

pytest_plugins = ("tests.queue_web_fixtures",)  # world, keys


@pytest.fixture
def three(db: Session, clock: FixedClock, world: World, keys: IntakeKeys) -> dict[str, Any]:
    """Three published replies: two topics, two units, two years."""
    water, roads = topic(db, "water"), topic(db, "roads")
    first = publish(db, clock, world, conclude(db, clock, world, suggest(
        db, keys, clock, water).submission), summary="关于自来水缴费窗口的建议")
    second = publish(db, clock, world, conclude(db, clock, world, suggest(
        db, keys, clock, roads).submission, by=world.other_handler),
        summary="关于道路交通违法处理的建议", by=world.other_handler)
    clock.advance(days=400)
    third = publish(db, clock, world, conclude(db, clock, world, suggest(
        db, keys, clock, water).submission), summary="再次关于自来水的建议 100%_done")
    return {"water": water, "roads": roads, "replies": [first, second, third]}


def shown(client: Any, query: str) -> list[str]:
    response = client.get(f"/replies?{query}")
    assert response.status_code == 200, response.text[:300]
    return [a.get_text() for a in page(response).select(".reply-list .reply-title a")]


def test_filters_and_search_narrow_the_list(client, three, world) -> None:
    assert shown(client, "") == ["再次关于自来水的建议 100%_done", "关于道路交通违法处理的建议",
                                 "关于自来水缴费窗口的建议"]
    assert shown(client, f"category={three['roads'].id}") == ["关于道路交通违法处理的建议"]
    assert shown(client, f"unit={world.accused.id}") == ["关于道路交通违法处理的建议"]
    assert shown(client, "year=2026") == ["关于道路交通违法处理的建议", "关于自来水缴费窗口的建议"]
    assert shown(client, "year=2027") == ["再次关于自来水的建议 100%_done"]
    assert shown(client, "kind=tip") == []
    assert shown(client, "q=自来水+缴费") == ["关于自来水缴费窗口的建议"]
    # LIKE wildcards typed by a reader are literal characters.
    assert shown(client, "q=100%25_") == ["再次关于自来水的建议 100%_done"]
    assert shown(client, "q=%25") == ["再次关于自来水的建议 100%_done"]
    form = page(client.get(f"/replies?kind=suggestion&category={three['water'].id}"))
    assert form.select_one("#f-kind option[selected]")["value"] == "suggestion"
    assert form.select_one("#f-category option[selected]")["value"] == str(three["water"].id)
    assert [o["value"] for o in form.select("#f-year option")] == ["", "2027", "2026"]


def test_pages_keep_the_filters(db, three) -> None:
    first = published_replies(db, ReplyFilters(), 1, page_size=2)
    second = published_replies(db, ReplyFilters(), 2, page_size=2)
    assert (first.total, first.pages, second.page) == (3, 2, 2)
    assert [r.id for r in first.items + second.items] == [r.id for r in reversed(three["replies"])]
    assert published_replies(db, ReplyFilters(), 9, page_size=2).page == 2


@pytest.mark.parametrize("query", ["kind=bogus", "category=abc", "unit=-1", "year=99999",
                                   "year=1900", "page=0", "page=x", "category=１"])
def test_bad_filters_are_a_400(client, query) -> None:
    assert client.get(f"/replies?{query}").status_code == 400


def test_missing_reply_and_page_are_404(client) -> None:
    assert client.get("/replies?page=2").status_code == 404
    assert client.get("/replies/1").status_code == 404
    assert client.get("/replies/99999999999").status_code == 404
