"""The leaders' dashboard's filtered part: figures per unit for a period, unit and kind,
a weekly trend (SVG and table), and links to the matching read-only queue lists.

Leaders have read access to every case, so small counts are shown as they are (the
public statistics hide them; the rule applies only where the viewer lacks case access).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request

from moderation.errors import ValidationFailed
from moderation.intake.models import Outcome, SubmissionKind
from moderation.queue.filters import QueueQuery
from moderation.sqltypes import pick
from moderation.stats.suppress import Rate
from moderation.stats.unit_figures import UnitFigures, unit_figures, weekly_trend
from portal.charts import Series, column_chart
from portal.i18n import fmt_date
from portal.locale_context import current_locale, gettext
from portal.queue.common import queue_actor, tz_of, unit_names, unit_options
from portal.queue.forms import FormState
from portal.queue.labels import options, qlabel

FILTERS = ("from", "to", "unit", "kind")


def _share(part: int, whole: int) -> float | None:
    return Rate.of(part, whole, public=False).percent


def _links(params: dict[str, str], unit_id: int | None) -> dict[str, str]:
    base = {k: v for k, v in params.items() if v}
    if unit_id is not None:
        base["unit"] = str(unit_id)

    def url(**extra: str) -> str:
        return "/staff/queue?" + urlencode({**base, **extra})

    return {"received": url(), "concluded": url(state="concluded"),
            "overdue": url(tab="overdue")}


def _row(figures: UnitFigures, name: str, params: dict[str, str]) -> dict[str, Any]:
    # A row links to the queue list with the same figure: that is the unit's own list,
    # unless another unit is filtered (the queue filters by one unit only).
    linked = figures.unit_id is not None and params.get("unit") in ("", str(figures.unit_id))
    return {
        "name": name, "figures": figures,
        "links": _links(params, figures.unit_id) if linked else {},
        "outcomes": [(qlabel(Outcome(code)), _share(n, figures.concluded))
                     for code, n in figures.outcomes.most_common()],
        "satisfaction": _share(figures.satisfied, figures.rated),
    }


def unit_section(db: Session, request: Request) -> dict[str, Any]:
    """Context of the filter form and the per-unit figures (errors: 422 by the caller)."""
    params = {k: request.query_params.get(k, "")[:40] for k in FILTERS}
    state = FormState(params, {})
    actor = queue_actor(request)
    now = request.app.state.clock()
    tz = tz_of(request)
    base = {"unit_filter": state, "unit_filter_options": unit_options(db),
            "kind_filter_options": options(SubmissionKind), "unit_rows": [],
            "unit_total": None, "trend": None, "trend_rows": []}
    try:
        query = QueueQuery.from_params(params)
    except ValidationFailed as error:
        state.errors.update(error.errors)
        return base
    total, rows = unit_figures(db, actor, query, now, tz=tz)
    names = unit_names(db)
    locale = current_locale.get()
    label = lambda unit_id: (pick(names[unit_id], locale, "zh_CN")  # noqa: E731
                             if unit_id in names else gettext("Unit not known"))
    weeks = weekly_trend(db, actor, query, now, tz=tz)
    week_labels = [fmt_date(w.starts_on, locale, "short") for w in weeks]
    chart = column_chart("unit-trend", gettext("Received and concluded per week"),
                         gettext("Bars per week; the table below has the numbers."),
                         week_labels,
                         [Series(gettext("Received"), [w.received for w in weeks]),
                          Series(gettext("Concluded"), [w.concluded for w in weeks])])
    base.update(
        unit_rows=[_row(r, label(r.unit_id), params) for r in rows],
        unit_total=_row(total, "", params) | {"links": _links(params, None)},
        trend=chart, trend_rows=list(zip(week_labels, weeks, strict=True)))
    return base
