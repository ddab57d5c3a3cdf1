"""Public pages of the ledger: /ledger (filtered tree) and /ledger/{id} (one item).

Only public items, public timeline entries and aggregates leave these handlers: no
staff names or ids, no internal notes, no case content, and the number of linked cases
only as a suppressed count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import NotFound
from moderation.ledger.cases import submissions_for_item
from moderation.ledger.models import LedgerItem, LedgerStatus, LookBackResult
from moderation.ledger.queries import LedgerFilters, categories, item_view, list_items
from moderation.stats.suppress import count, shown
from portal.ledger.labels import choices, ledger_label
from portal.ledger.tree import nest
from portal.templating import render
from portal.web import db_session, now

ID_MAX_DIGITS = 12


def public_item_stamps(session: Session) -> list[tuple[int, datetime]]:
    """(id, last change) of every public item, for the sitemap."""
    rows = session.exec(select(LedgerItem.id, LedgerItem.updated_at)
                        .where(LedgerItem.public == True)  # noqa: E712
                        .order_by(col(LedgerItem.id)))
    return [(item_id, updated) for item_id, updated in rows if item_id is not None]


def query_int(request: Request, name: str) -> int | None:
    """An optional id from the query string; junk counts as absent."""
    raw = request.query_params.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= ID_MAX_DIGITS else None


def query_status(request: Request) -> LedgerStatus | None:
    try:
        return LedgerStatus(request.query_params.get("status", ""))
    except ValueError:
        return None


def ledger_list(request: Request) -> Response:
    """The public ledger as a tree, filtered by unit, status, category or overdue."""
    tz = request.app.state.settings.timezone
    filters = LedgerFilters(unit_id=query_int(request, "unit"), status=query_status(request),
                            category_id=query_int(request, "category"),
                            overdue_only=request.query_params.get("overdue") == "1")
    moment = now(request)
    with db_session(request) as db:
        everything = list_items(db, public_only=True, now=moment, tz=tz)
        rows = list_items(db, public_only=True, now=moment, tz=tz, filters=filters)
        cats = categories(db)
    units = {r.unit.id: r.unit for r in everything if r.unit is not None}
    used_cats = {r.item.category_id for r in everything}
    return render(request, "ledger/list.html", {
        "tree": nest(rows), "count": len(rows), "total": len(everything),
        "filters": filters, "filtered": filters != LedgerFilters(),
        "units": sorted(units.values(), key=lambda u: (u.position, u.id)),
        "categories": [c for c in cats if c.id in used_cats],
        "statuses": choices(LedgerStatus), "ledger_label": ledger_label,
    })


def ledger_item(request: Request) -> Response:
    """One public item: progress, public timeline, measures, mechanisms and reviews."""
    item_id: int = request.path_params["item_id"]
    tz = request.app.state.settings.timezone
    with db_session(request) as db:
        try:
            view = item_view(db, item_id, public_only=True, now=now(request), tz=tz)
        except NotFound:
            raise HTTPException(status_code=404) from None
        linked = len(submissions_for_item(db, item_id))
    context: dict[str, Any] = {
        "view": view, "item": view.item, "ledger_label": ledger_label,
        "linked_cases": shown(count(linked, public=True)) if linked else None,
        "relapsed": LookBackResult.relapsed,
        "verifications": view.verifications,
    }
    return render(request, "ledger/item.html", context)
