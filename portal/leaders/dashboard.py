"""/staff/leaders: the leaders' read-only dashboard.

Whole figures (no small-count suppression, internal ledger items included), the same
charts as the public statistics, overdue ledger items and overdue cases by unit. Only
the leader role enters: the figures span every unit, moderators have the queue's own
overdue views, and admins do not read case data (separation of duties).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.ledger.queries import LedgerFilters, list_items
from moderation.stats.report import leader_statistics
from portal.leaders.queries import cases_by_unit
from portal.ledger.labels import ledger_label
from portal.roles import LEADERS
from portal.routing import route
from portal.stats_pages.view import statistics_context
from portal.templating import render
from portal.web import db_session, now


def leaders_dashboard(request: Request) -> Response:
    """Ledger and case figures by unit and status, overdue items and on-time rates."""
    settings = request.app.state.settings
    moment = now(request)
    with db_session(request) as db:
        stats = leader_statistics(db, now=moment, tz=settings.timezone)
        overdue = list_items(db, public_only=False, now=moment, tz=settings.timezone,
                             filters=LedgerFilters(overdue_only=True))
        cases = cases_by_unit(db, moment, settings.timezone)
    context = statistics_context(stats, settings.default_locale, prefix="leader-chart")
    context.update({"overdue_items": overdue, "unit_cases": cases,
                    "ledger_label": ledger_label})
    return render(request, "leaders/dashboard.html", context)


routes = [route("/staff/leaders", leaders_dashboard, roles=LEADERS, name="leaders_dashboard")]
