"""What the statistics templates show: charts and table rows built from `Statistics`.

Shared by the public page (suppressed figures) and the leaders' dashboard (whole ones);
labels are translated here, in the request's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moderation.intake.models import Channel, SubmissionKind
from moderation.ledger.models import LedgerStatus, MechanismArea
from moderation.sqltypes import pick
from moderation.stats.report import Statistics
from moderation.stats.submissions import Flow
from moderation.stats.suppress import Count, Rate, shown
from portal.charts import Chart, Series, column_chart, percent_chart
from portal.ledger.labels import label_of, ledger_label
from portal.locale_context import current_locale
from portal.locale_context import gettext as _


@dataclass(frozen=True)
class FlowRow:
    label: str
    received: str
    accepted: str
    concluded: str


@dataclass(frozen=True)
class RateView:
    key: str
    title: str
    numerator: str
    denominator: str
    percent: float | None


@dataclass(frozen=True)
class UnitRow:
    name: str
    items: str
    done: str
    overdue: str
    completion: float | None
    by_status: list[str]


def _flow_rows(flows: list[Flow], labels: list[str]) -> list[FlowRow]:
    return [FlowRow(text, shown(f.received), shown(f.accepted), shown(f.concluded))
            for f, text in zip(flows, labels, strict=True)]


def _flow_chart(chart_id: str, title: str, flows: list[Flow], labels: list[str]) -> Chart:
    def series(name: str, attr: str) -> Series:
        values: list[Count] = [getattr(f, attr) for f in flows]
        return Series(name, values)

    return column_chart(
        chart_id, title,
        _("Bar chart of submissions received, accepted and concluded. The same numbers "
          "are in the table that follows."),
        labels, [series(_("Received"), "received"), series(_("Accepted"), "accepted"),
                 series(_("Concluded"), "concluded")])


def _rate(key: str, title: str, rate: Rate) -> RateView:
    return RateView(key, title, shown(rate.numerator), shown(rate.denominator), rate.percent)


def statistics_context(stats: Statistics, default_locale: str,
                       prefix: str = "chart") -> dict[str, Any]:
    """Charts, tables and rates of the statistics page (or the leaders' dashboard)."""
    locale = current_locale.get()
    subs = stats.submissions
    month_labels = [f.key for f in subs.months]
    kind_labels = [label_of(SubmissionKind, f.key) for f in subs.by_kind]
    channel_labels = [label_of(Channel, f.key) for f in subs.by_channel]
    unit_names = [pick(u.unit_name, locale, default_locale) or u.unit_code
                  for u in stats.ledger_units]
    charts = {
        "months": _flow_chart(f"{prefix}-months", _("Submissions per month"), subs.months,
                              month_labels),
        "kinds": _flow_chart(f"{prefix}-kinds", _("Submissions by type"), subs.by_kind,
                             kind_labels),
        "channels": _flow_chart(f"{prefix}-channels", _("Submissions by channel"),
                                subs.by_channel, channel_labels),
        "ledger": percent_chart(
            f"{prefix}-ledger", _("Ledger completion by unit"),
            _("Bar chart of the share of each unit's ledger items that are rectified or "
              "verified. The same numbers are in the table that follows."),
            unit_names, [u.completion.percent for u in stats.ledger_units],
            _("Completed")),
    }
    return {
        "stats": stats,
        "plots": charts,
        "months": _flow_rows(subs.months, month_labels),
        "kinds": _flow_rows(subs.by_kind, kind_labels),
        "channels": _flow_rows(subs.by_channel, channel_labels),
        "rates": [_rate("on_time", _("Concluded on time"), subs.on_time),
                  _rate("satisfaction", _("Satisfied or mostly satisfied"), subs.satisfaction)],
        "statuses": [ledger_label(s) for s in LedgerStatus],
        "units": [UnitRow(name, shown(u.items), shown(u.done), shown(u.overdue),
                          u.completion.percent,
                          [shown(u.by_status[s.value]) for s in LedgerStatus])
                  for name, u in zip(unit_names, stats.ledger_units, strict=True)],
        "mechanisms_total": shown(stats.mechanisms.total),
        "mechanisms": [(ledger_label(a), shown(stats.mechanisms.by_area[a.value]))
                       for a in MechanismArea],
    }
