"""/statistics and /statistics.csv: public aggregates, counts under 5 shown as "<5"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.stats.opendata import statistics_csv
from moderation.stats.report import public_statistics
from portal.roles import PUBLIC
from portal.routing import route
from portal.stats_pages.view import statistics_context
from portal.templating import render
from portal.web import db_session, now

CSV_NAME = "minsheng-statistics.csv"


def statistics(request: Request) -> Response:
    """Submissions, rates and ledger completion, as charts and tables."""
    settings = request.app.state.settings
    with db_session(request) as db:
        stats = public_statistics(db, now=now(request), tz=settings.timezone)
    return render(request, "stats/statistics.html",
                  statistics_context(stats, settings.default_locale))


def statistics_open_data(request: Request) -> Response:
    """The same aggregates as CSV (UTF-8 with a BOM so spreadsheets read it right)."""
    settings = request.app.state.settings
    with db_session(request) as db:
        stats = public_statistics(db, now=now(request), tz=settings.timezone)
    body = "\ufeff" + statistics_csv(stats)
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{CSV_NAME}"'})


routes = [
    route("/statistics", statistics, roles=PUBLIC, name="statistics"),
    route("/statistics.csv", statistics_open_data, roles=PUBLIC, name="statistics_csv"),
]
