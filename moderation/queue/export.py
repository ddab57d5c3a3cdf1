"""The queue as CSV for leaders and moderators: streamed, no identity or internal fields.

Columns (fixed; values are stable codes, dates ISO 8601 in the campaign's time zone):
reference, kind, channel, state, priority, category, unit_concerned, responsible_unit,
handling_mode, received_at, decision_due_on, handling_due_on, overdue (yes/no),
awaiting_citizen (yes/no), outcome, concluded_on.
Never: contact details, anonymity, content, people concerned, findings, notes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from moderation.errors import NotPermitted
from moderation.intake.deadlines import DEFAULT_TIMEZONE, local_day
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import Category, Submission
from moderation.queue.filters import HANDLING, UNDECIDED, QueueQuery, where_clauses
from moderation.queue.listing import after_clause, sort_expression
from moderation.roles import Actor, Role
from moderation.units import Unit

COLUMNS = ("reference", "kind", "channel", "state", "priority", "category", "unit_concerned",
           "responsible_unit", "handling_mode", "received_at", "decision_due_on",
           "handling_due_on", "overdue", "awaiting_citizen", "outcome", "concluded_on")
EXPORT_ROLES = (Role.leader, Role.moderator)
BATCH = 500
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text, with an apostrophe before anything a spreadsheet would run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(cells: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def export_queue_csv(session: Session, actor: Actor, query: QueueQuery, now: datetime, *,
                     keys: IntakeKeys, tz: str = DEFAULT_TIMEZONE) -> Iterator[str]:
    """CSV lines (header first, with a BOM so spreadsheets read UTF-8) of every matching item.

    Raises NotPermitted before the first line for roles other than leader and moderator.
    """
    if actor.role not in EXPORT_ROLES or actor.id is None:
        raise NotPermitted("the export is for leaders and moderators")
    query = query.validated()
    clauses = where_clauses(session, actor, query, now, tz, keys=keys)  # validates before streaming
    return _rows(session, actor, query, clauses, now, tz)


def _rows(session: Session, actor: Actor, query: QueueQuery, clauses: list[Any],
          now: datetime, tz: str) -> Iterator[str]:
    yield "\ufeff" + _csv_line(list(COLUMNS))
    concerned, responsible = aliased(Unit), aliased(Unit)
    key = sort_expression(query, actor)
    order = ((key.desc(), col(Submission.id).desc()) if query.descending
             else (key.asc(), col(Submission.id).asc()))
    base = (select(Submission.id, key.label("sort_key"), Submission.reference,
                   Submission.kind, Submission.channel, Submission.state,
                   Submission.priority, Category.code.label("category"),  # type: ignore[attr-defined]
                   concerned.code.label("unit_concerned"),
                   responsible.code.label("responsible_unit"), Submission.handling_mode,
                   Submission.received_at, Submission.decision_due_on,
                   Submission.handling_due_on, Submission.awaiting_citizen,
                   Submission.outcome, Submission.concluded_at)
            .outerjoin(Category, col(Category.id) == col(Submission.category_id))
            .outerjoin(concerned, concerned.id == col(Submission.unit_concerned_id))
            .outerjoin(responsible, responsible.id == col(Submission.responsible_unit_id))
            .order_by(*order).limit(BATCH))
    today = local_day(now, tz)
    zone = ZoneInfo(tz)
    last: tuple[Any, int] | None = None
    while True:
        page_clauses = list(clauses)
        if last is not None:
            page_clauses.append(after_clause(key, last[0], last[1], query.descending))
        rows = session.execute(base.where(*page_clauses)).all()
        for row in rows:
            yield _csv_line(_cells(row, today, zone))
        if len(rows) < BATCH:
            return
        last = (rows[-1].sort_key, rows[-1].id)


def _cells(row: Any, today: date, zone: ZoneInfo) -> list[object]:
    state = _plain(row.state)
    due = (row.decision_due_on if state in UNDECIDED
           else row.handling_due_on if state in HANDLING else None)
    received: datetime = row.received_at
    concluded: datetime | None = row.concluded_at
    return [row.reference, _plain(row.kind), _plain(row.channel), state, _plain(row.priority),
            row.category, row.unit_concerned, row.responsible_unit, _plain(row.handling_mode),
            received.astimezone(zone).isoformat(timespec="minutes"),
            row.decision_due_on.isoformat(),
            row.handling_due_on.isoformat() if row.handling_due_on else "",
            "yes" if due is not None and due < today else "no",
            "yes" if row.awaiting_citizen else "no", _plain(row.outcome),
            concluded.astimezone(zone).date().isoformat() if concluded else ""]
