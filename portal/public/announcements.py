"""Announcements for the public: the list (by category, paginated) and one in full."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.sqltypes import pick
from portal.content.markdown import clean_html
from portal.content.models import AnnouncementCategory
from portal.content.queries import public_announcement
from portal.public.cached_content import ANNOUNCEMENT_PAGE, minute_of
from portal.slotted_pages import render_slotted
from portal.templating import render
from portal.web import db_session, now
from portal.worker_cache import cached_async

MAX_PAGE = 100_000
MAX_ID = 2**31 - 1  # larger ids cannot exist, and PostgreSQL rejects them in a query


def parse_category(raw: str | None) -> AnnouncementCategory | None:
    """The `category` query value; unknown ones are a 404 (no such listing)."""
    if not raw:
        return None
    try:
        return AnnouncementCategory(raw)
    except ValueError:
        raise HTTPException(status_code=404) from None


def parse_page(raw: str | None) -> int:
    """The `page` query value: a whole number from 1, else 400."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise HTTPException(status_code=400)
    number = int(raw)
    if number < 1 or number > MAX_PAGE:
        raise HTTPException(status_code=400)
    return number


async def announcement_list(request: Request) -> Response:
    """Public announcements, newest first with pinned ones on top (from data cached per
    worker; async: a hit needs no thread)."""
    category = parse_category(request.query_params.get("category"))
    number = parse_page(request.query_params.get("page"))
    result = await cached_async(request, ANNOUNCEMENT_PAGE, minute_of(now(request)), number,
                                category)
    if number > result.pages:
        raise HTTPException(status_code=404)
    return render_slotted(request, "public/announcements.html",
                          {"result": result, "category": category,
                           "categories": list(AnnouncementCategory)},
                          sources=(result,), slots={})


def announcement_detail(request: Request) -> Response:
    """One public announcement; anything not (yet) public is a 404."""
    announcement_id: int = request.path_params["announcement_id"]
    if announcement_id > MAX_ID:
        raise HTTPException(status_code=404)
    with db_session(request) as db:
        item = public_announcement(db, announcement_id, now(request))
    if item is None:
        raise HTTPException(status_code=404)
    locale = request.state.locale
    fallback = request.app.state.settings.default_locale
    body = clean_html(pick(item.body_html, locale, fallback))
    return render(request, "public/announcement.html", {"item": item, "body": body})
