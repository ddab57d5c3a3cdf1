"""The queue page (tabs with counts, filters, search, keyset pages), "take the next
item", and the CSV export with the same filters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import ValidationFailed
from moderation.intake.models import (
    Category,
    Channel,
    HandlingMode,
    Priority,
    RejectReason,
    SubmissionKind,
    SubmissionState,
)
from moderation.queue.counts import queue_counts
from moderation.queue.export import EXPORT_ROLES
from moderation.queue.filters import QueueQuery, SortKey, Tab
from moderation.queue.listing import list_queue
from moderation.roles import Actor, Role
from moderation.sqltypes import LocalizedText
from moderation.workflow import claims
from moderation.workflow.messages import default_reject_reply
from portal.locale_context import gettext
from portal.queue.common import (
    HANDLERS_BY_UNIT,
    STAFF_NAMES,
    UNIT_NAMES,
    UNIT_OPTIONS,
    queue_actor,
    tz_of,
)
from portal.queue.forms import FormState
from portal.queue.labels import options, qlabel, spam_reasons
from portal.templating import render
from portal.track.common import intake_keys
from portal.web import db_session, redirect
from portal.worker_cache import CachedData, cached

FILTER_KEYS = ("tab", "kind", "state", "channel", "unit", "category", "priority", "from",
               "to", "q", "sort", "order")
PAGE_SIZE = 25
PARAM_MAX = 200


def params_of(request: Request) -> dict[str, str]:
    """The queue's filter parameters from the URL (each cut to a sane length)."""
    return {k: request.query_params.get(k, "")[:PARAM_MAX + 1] for k in FILTER_KEYS}


def query_string(params: dict[str, str], **changes: str) -> str:
    """URL parameters of the current view with `changes`, empty values left out."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v})


def _category_options(db: Session) -> list[tuple[str, LocalizedText, int]]:
    categories = db.exec(select(Category).where(col(Category.active).is_(True))
                         .order_by(col(Category.kind), col(Category.position)))
    return [(str(c.id), c.name, 0) for c in categories]


CATEGORY_OPTIONS = CachedData("queue.category_options", frozenset({"category"}),
                              _category_options)


def filter_options(request: Request) -> dict[str, Any]:
    """The choices of the filter form (units and categories from the worker cache)."""
    return {
        "kind_options": options(SubmissionKind), "state_options": options(SubmissionState),
        "channel_options": options(Channel), "priority_options": options(Priority),
        "sort_options": options(SortKey), "unit_options": cached(request, UNIT_OPTIONS),
        "category_options": cached(request, CATEGORY_OPTIONS),
    }


def _all_count(db: Session, role: str, unit_id: int | None) -> int:
    viewer = Actor(id=0, label="", role=Role(role), unit_id=unit_id)
    return queue_counts(db, viewer, datetime.now(UTC), tabs=(Tab.all,))[Tab.all]


# The "all" tab counts every row the viewer may see: 30 ms at a million submissions on
# PostgreSQL, on every queue page. Its count is kept per worker and role scope for
# DATA_CACHE_SECONDS and not emptied by commits (citizens send all the time in a
# spike); the tabs caseworkers act on are counted on every page.
ALL_COUNT = CachedData("queue.all_count", frozenset(), _all_count)
WORK_TABS = tuple(tab for tab in Tab if tab != Tab.all)

# The work tabs are counted beside the page's own query, on a connection of their own:
# the page then waits for the slower of the two (3 and 3.5 ms at a million submissions
# on PostgreSQL) rather than for both. Few threads: staff are few, and a count that
# waits for one still finishes.
_COUNTING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="queue-counts")


def _work_counts(engine: Engine, actor: Actor, now: datetime, tz: str) -> dict[Tab, int]:
    with Session(engine) as db:
        return queue_counts(db, actor, now, tabs=WORK_TABS, tz=tz)


def queue_context(db: Session, request: Request, params: dict[str, str]) -> dict[str, Any]:
    """The queue page for the signed-in user: counts, filters, one page of items."""
    actor = queue_actor(request)
    now = request.app.state.clock()
    tz = tz_of(request)
    errors: dict[str, str] = {}
    counting = _COUNTING.submit(_work_counts, request.state.engine, actor, now, tz)
    try:
        query = QueueQuery.from_params(params)
        page = list_queue(db, actor, query, now, keys=intake_keys(request),
                          after=request.query_params.get("after"), limit=PAGE_SIZE, tz=tz)
    except ValidationFailed as error:
        errors = dict(error.errors)
        query, page = None, None
    counts = counting.result()
    counts[Tab.all] = cached(request, ALL_COUNT, actor.role.value,
                             actor.unit_id if actor.role == Role.handler else None)
    request.state.queue_counts = counts  # the header counters show the same numbers
    items = page.items if page else []
    is_moderator = actor.role == Role.moderator
    return {
        "params": params, "errors": errors, "filters": FormState(params, errors),
        "query": query, "items": items,
        "next_url": (f"/staff/queue?{query_string(params, after=page.next_cursor)}"
                     if page and page.next_cursor else None),
        "first_url": (f"/staff/queue?{query_string(params)}"
                      if request.query_params.get("after") else None),
        "tabs": [(tab, counts[tab], f"/staff/queue?{query_string(params, tab=tab.value)}")
                 for tab in Tab],
        "current_tab": query.tab if query else Tab.all,
        "export_url": (f"/staff/queue/export.csv?{query_string(params)}"
                       if actor.role in EXPORT_ROLES else None),
        "export_xlsx_url": (f"/staff/queue/export.xlsx?{query_string(params)}"
                            if actor.role in EXPORT_ROLES else None),
        "units": cached(request, UNIT_NAMES), "names": cached(request, STAFF_NAMES),
        "is_moderator": is_moderator,
        "handlers": cached(request, HANDLERS_BY_UNIT) if is_moderator else {},
        "bulk": FormState({"public_reply": gettext(default_reject_reply(RejectReason.spam)),
                           "handling_mode": "off_site"}, {}),
        "mode_options": options(HandlingMode),
        "qlabel": qlabel, "spam_reasons": spam_reasons,
        "none_left": request.query_params.get("none") == "1",
        "case_query": query_string(params),
        "filters_set": sum(1 for k in FILTER_KEYS if k not in ("tab", "q") and params.get(k)),
        **filter_options(request),
    }


def queue_page(request: Request) -> Response:
    """GET /staff/queue: tabs, filters, search, one page; 422 for bad filters."""
    with db_session(request) as db:
        context = queue_context(db, request, params_of(request))
    status = 422 if context["errors"] else 200
    return render(request, "queue/queue.html", context, status_code=status,
                  headers={"Cache-Control": "no-store"})


def take_next(request: Request) -> Response:
    """POST /staff/queue/next: claim the oldest unclaimed undecided item and open it."""
    actor = queue_actor(request)
    with db_session(request) as db:
        taken = claims.claim_next(db, actor, clock=request.app.state.clock)
        db.commit()
    if taken is None:
        return redirect("/staff/queue?tab=new&none=1")
    return redirect(f"/staff/cases/{taken.reference}?done=claim")
