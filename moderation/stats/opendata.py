"""The statistics as CSV (open data), one figure per line.

Columns (`CSV_COLUMNS`):
  section   months | kinds | channels | rates | ledger_units | mechanisms
  key       the month (YYYY-MM), kind, channel, rate name, unit code or mechanism area
  measure   received | accepted | concluded | numerator | denominator | percent |
            items | done | overdue | completion_percent | status_<status> | count
  value     the number; "<5" when suppressed; empty when not available

The CSV carries no names in any language: codes only, so the same file serves both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from moderation.stats.report import Statistics
from moderation.stats.submissions import Flow
from moderation.stats.suppress import Count, Rate, shown

CSV_COLUMNS = ("section", "key", "measure", "value")


def _flows(section: str, flows: list[Flow]) -> Iterator[tuple[str, str, str, str]]:
    for flow in flows:
        for measure in ("received", "accepted", "concluded"):
            yield section, flow.key, measure, shown(getattr(flow, measure))


def _rate(section: str, key: str, rate: Rate) -> Iterator[tuple[str, str, str, str]]:
    yield section, key, "numerator", shown(rate.numerator)
    yield section, key, "denominator", shown(rate.denominator)
    yield section, key, "percent", "" if rate.percent is None else f"{rate.percent:.1f}"


def _count(section: str, key: str, measure: str, value: Count) -> tuple[str, str, str, str]:
    return section, key, measure, shown(value)


def rows(stats: Statistics) -> Iterator[tuple[str, str, str, str]]:
    """The figures as (section, key, measure, value) rows."""
    subs = stats.submissions
    yield from _flows("months", subs.months)
    yield from _flows("kinds", subs.by_kind)
    yield from _flows("channels", subs.by_channel)
    yield from _rate("rates", "on_time", subs.on_time)
    yield from _rate("rates", "satisfaction", subs.satisfaction)
    for unit in stats.ledger_units:
        yield _count("ledger_units", unit.unit_code, "items", unit.items)
        yield _count("ledger_units", unit.unit_code, "done", unit.done)
        yield _count("ledger_units", unit.unit_code, "overdue", unit.overdue)
        percent = unit.completion.percent
        yield ("ledger_units", unit.unit_code, "completion_percent",
               "" if percent is None else f"{percent:.1f}")
        for status, value in unit.by_status.items():
            yield _count("ledger_units", unit.unit_code, f"status_{status}", value)
    yield _count("mechanisms", "all", "count", stats.mechanisms.total)
    for area, value in stats.mechanisms.by_area.items():
        yield _count("mechanisms", area, "count", value)


def statistics_csv(stats: Statistics) -> str:
    """CSV text of the statistics (UTF-8 with a header row; add a BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows(stats))
    return out.getvalue()
