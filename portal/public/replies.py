"""Public replies (回复公开) for everyone: the list (filters, search, pages) and one reply.

Only published replies exist here; a draft, a taken-down reply or a withdrawn one is a
404. The pages show the staff-written summary, the reply, the answering unit, the dates
and the citizen's rating, never anything the citizen wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.models import Category, SubmissionKind
from moderation.replies.models import PublicReply, ReplyState
from moderation.replies.queries import (
    SEARCH_MAX,
    ReplyFilters,
    published_replies,
    published_reply,
    ratings_of,
    reply_years,
)
from moderation.sqltypes import LocalizedText
from moderation.units import Unit
from portal.public.announcements import MAX_ID, parse_page
from portal.queue.labels import qlabel
from portal.templating import render
from portal.web import db_session

ID_DIGITS = 9


@dataclass(frozen=True)
class Choices:
    """The options of the list's filters."""

    categories: list[tuple[int, LocalizedText]]
    units: list[tuple[int, LocalizedText]]
    years: list[int]


def _id(raw: str | None) -> int | None:
    """An optional id from the query; junk is a 400 (only a hand-made URL sends it)."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > ID_DIGITS:
        raise HTTPException(status_code=400)
    return int(raw)


def parse_filters(params: Any) -> ReplyFilters:
    """The list's filters from the query string."""
    kind_raw = params.get("kind") or ""
    if kind_raw and kind_raw not in SubmissionKind._value2member_map_:
        raise HTTPException(status_code=400)
    year = _id(params.get("year"))
    if year is not None and not 2000 <= year <= 2100:
        raise HTTPException(status_code=400)
    return ReplyFilters(
        kind=SubmissionKind(kind_raw) if kind_raw else None,
        category_id=_id(params.get("category")), unit_id=_id(params.get("unit")),
        year=year, search=" ".join((params.get("q") or "").split())[:SEARCH_MAX])


def filter_query(filters: ReplyFilters, page: int | None = None) -> str:
    """The query string of these filters (and page), for links that keep them."""
    pairs = [("kind", filters.kind.value if filters.kind else ""),
             ("category", filters.category_id or ""), ("unit", filters.unit_id or ""),
             ("year", filters.year or ""), ("q", filters.search),
             ("page", page if page and page > 1 else "")]
    return urlencode([(k, v) for k, v in pairs if v])


def _names(db: Session, model: type[Category] | type[Unit], ids: set[int | None]
           ) -> dict[int, LocalizedText]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.exec(select(model).where(col(model.id).in_(wanted)))
    return {row.id: row.name for row in rows if row.id is not None}


def _choices(db: Session) -> Choices:
    published = select(PublicReply.category_id, PublicReply.unit_id).where(
        col(PublicReply.state) == ReplyState.published)
    pairs = list(db.exec(published))
    categories = _names(db, Category, {c for c, _u in pairs})
    units = _names(db, Unit, {u for _c, u in pairs})
    return Choices(sorted(categories.items()), sorted(units.items()), reply_years(db))


def reply_context(db: Session, replies: list[PublicReply]) -> dict[str, Any]:
    """Names, ratings and labels the reply templates need for `replies`."""
    return {
        "category_names": _names(db, Category, {r.category_id for r in replies}),
        "unit_names": _names(db, Unit, {r.unit_id for r in replies}),
        "ratings": ratings_of(db, replies),
        "qlabel": qlabel,
    }


def reply_list(request: Request) -> Response:
    """Published replies, newest first, with filters, search and pages."""
    filters = parse_filters(request.query_params)
    number = parse_page(request.query_params.get("page"))
    with db_session(request) as db:
        result = published_replies(db, filters, number)
        context = reply_context(db, result.items)
        choices = _choices(db)
    if number > result.pages:
        raise HTTPException(status_code=404)
    return render(request, "public/replies.html", {
        **context, "result": result, "filters": filters, "choices": choices,
        "kinds": list(SubmissionKind),
        "previous_url": f"/replies?{filter_query(filters, result.page - 1)}",
        "next_url": f"/replies?{filter_query(filters, result.page + 1)}",
        "filtered": filters != ReplyFilters(),
    })


def reply_detail(request: Request) -> Response:
    """One published reply; anything else is a 404."""
    reply_id: int = request.path_params["reply_id"]
    if reply_id > MAX_ID:
        raise HTTPException(status_code=404)
    with db_session(request) as db:
        reply = published_reply(db, reply_id)
        if reply is None:
            raise HTTPException(status_code=404)
        context = reply_context(db, [reply])
    return render(request, "public/reply.html", {**context, "reply": reply})
