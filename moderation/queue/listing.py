"""Queue pages with keyset pagination: stable under inserts, fast on any page.

The cursor is opaque to clients (base64url of JSON): the sort, its direction, the last
row's sort key and id. Rows are ordered by (key, id), so ties on the key (received
times are whole hours) never repeat or skip a row across pages.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, literal, select, tuple_, union
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from moderation.errors import ValidationFailed
from moderation.intake.crypto import DecryptionFailed, unwrap_key
from moderation.intake.deadlines import DEFAULT_TIMEZONE, local_day
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Channel,
    Priority,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.intake.texts import open_submission_text
from moderation.queue import messages as m
from moderation.queue.filters import (
    HANDLING,
    UNDECIDED,
    QueueQuery,
    SortKey,
    Tab,
    where_clauses,
)
from moderation.roles import Actor, Role

log = logging.getLogger(__name__)

EXCERPT_CHARS = 120
MAX_LIMIT = 100
# The sort key of an item with no due date, by direction (descending?): always last.
NO_DUE_LAST = {False: date.max, True: date.min}


@dataclass(frozen=True)
class QueueItem:
    """One row of the queue: never contact details, never internal notes or findings."""

    id: int
    reference: str
    kind: SubmissionKind
    channel: Channel
    state: SubmissionState
    priority: Priority
    version: int
    received_at: datetime
    decision_due_on: date
    handling_due_on: date | None
    unit_concerned_id: int | None
    responsible_unit_id: int | None
    category_id: int | None
    claimed_by_id: int | None
    claimed_until: datetime | None
    handler_id: int | None
    awaiting_citizen: bool
    needs_decision: bool
    spam_signals: str  # possible spam: the codes of moderation.intake.spam, "" if none
    excerpt: str
    overdue: bool

    @property
    def due_on(self) -> date | None:
        """The due date that applies in the current state."""
        if self.state in UNDECIDED:
            return self.decision_due_on
        if self.state in HANDLING:
            return self.handling_due_on
        return None


@dataclass(frozen=True)
class Page:
    items: list[QueueItem]
    next_cursor: str | None


ITEM_COLUMNS = (
    Submission.id, Submission.reference, Submission.kind, Submission.channel,
    Submission.state, Submission.priority, Submission.version, Submission.received_at,
    Submission.decision_due_on, Submission.handling_due_on, Submission.unit_concerned_id,
    Submission.responsible_unit_id, Submission.category_id, Submission.claimed_by_id,
    Submission.claimed_until, Submission.handler_id, Submission.awaiting_citizen,
    Submission.needs_decision, Submission.spam_signals,
)


def sort_expression(query: QueueQuery, actor: Actor) -> Any:
    """The column (or expression) the page is ordered by, before the id.

    By due date, each item counts by the date that applies in its state (as
    `QueueItem.due_on`); decided and concluded items have none and come after every open
    one, whichever way the page is sorted.
    """
    if query.sort == SortKey.received:
        return col(Submission.received_at)
    undecided_only = (query.state in UNDECIDED
                      or (actor.role == Role.moderator and query.tab in (Tab.new, Tab.mine)))
    if undecided_only:
        return col(Submission.decision_due_on)  # indexed with the state
    handling_due = func.coalesce(col(Submission.handling_due_on),
                                 col(Submission.decision_due_on))
    if query.state in HANDLING:
        return handling_due
    state = col(Submission.state)
    return case((state.in_(UNDECIDED), col(Submission.decision_due_on)),
                (state.in_(HANDLING), handling_due),
                else_=_typed(col(Submission.decision_due_on),
                             NO_DUE_LAST[query.descending]))


def encode_cursor(query: QueueQuery, key: datetime | date, row_id: int) -> str:
    raw = json.dumps([query.sort.value, "d" if query.descending else "a", key.isoformat(),
                      row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(query: QueueQuery, cursor: str) -> tuple[datetime | date, int]:
    """The (key, id) a cursor carries; ValidationFailed when it is malformed or foreign."""
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort, order, key_text, row_id = json.loads(raw)
        if sort != query.sort.value or order != ("d" if query.descending else "a"):
            raise ValueError("cursor of another sort")
        if (not isinstance(row_id, int) or isinstance(row_id, bool) or row_id < 0
                or row_id >= 2**31):  # PostgreSQL INTEGER ids
            raise ValueError("bad id")
        key: datetime | date
        if query.sort == SortKey.received:
            key = datetime.fromisoformat(key_text)
            if key.tzinfo is None:
                raise ValueError("naive time")
            key.astimezone(UTC)  # OverflowError at the edges of the calendar
        else:
            key = date.fromisoformat(key_text)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError,
            json.JSONDecodeError) as exc:
        raise ValidationFailed({"after": m.BAD_CURSOR}) from exc
    return key, row_id


def excerpt_of(keys: IntakeKeys, reference: str, wrapped_key: bytes | None,
               text_sealed: bytes | None) -> str:
    """The start of a submission's content, opened with its key ("" once erased).

    A row that does not open (altered, or sealed under another master key) shows no
    excerpt rather than taking the whole queue down; its case page still fails loudly.
    """
    if wrapped_key is None:
        return ""
    try:
        data_key = unwrap_key(keys.master, wrapped_key, reference)
        return open_submission_text(data_key, reference, text_sealed).content[:EXCERPT_CHARS]
    except DecryptionFailed:
        log.warning("the text of %s does not open", reference)
        return ""


def _item(row: Any, today: date, keys: IntakeKeys) -> QueueItem:
    data = dict(row._mapping)
    data.pop("sort_key", None)
    excerpt = excerpt_of(keys, data["reference"], data.pop("wrapped_key"),
                         data.pop("text_sealed"))
    state = SubmissionState(data["state"])
    due = (data["decision_due_on"] if state in UNDECIDED
           else data["handling_due_on"] if state in HANDLING else None)
    return QueueItem(**data, excerpt=excerpt, overdue=due is not None and due < today)


def list_queue(session: Session, actor: Actor, query: QueueQuery, now: datetime, *,
               keys: IntakeKeys, after: str | None = None, limit: int = 25,
               tz: str = DEFAULT_TIMEZONE) -> Page:
    """One page of the queue as `actor` may see it; `after` is the previous page's cursor.

    `keys` open each item's excerpt and hash the search text for the blind index.

    Raises NotPermitted (admins, press) and ValidationFailed (bad cursor or filters).
    """
    query = query.validated()
    limit = max(1, min(limit, MAX_LIMIT))
    # A chosen unit is matched as the unit concerned or the responsible unit: each side is
    # read from an index of its own, below, not as one OR.
    clauses = where_clauses(session, actor, replace(query, unit_id=None), now, tz, keys=keys)
    key = sort_expression(query, actor)
    if after:
        key_value, last_id = decode_cursor(query, after)
        clauses.append(after_clause(key, key_value, last_id, query.descending))
    order = _ordered(key, col(Submission.id), query.descending)
    # The page's ids first, then only those rows: sorting whole rows (sealed texts
    # included) of every match cost 90 ms at a million submissions; the ids come from
    # an index alone (ix_submission_queue_cover).
    if query.unit_id is None:
        page_ids = (select(col(Submission.id)).where(*clauses).order_by(*order)
                    .limit(limit + 1).scalar_subquery())
    else:
        page_ids = _either_unit_ids(clauses, query.unit_id, key, query.descending, limit + 1)
    statement = (select(*ITEM_COLUMNS,
                        col(Submission.wrapped_key), col(Submission.text_sealed),
                        key.label("sort_key"))
                 .where(col(Submission.id).in_(page_ids)).order_by(*order))
    rows = list(session.execute(statement))
    today = local_day(now, tz)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_item(r, today, keys) for r in rows]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(query, last.sort_key, last.id)
    return Page(items, next_cursor)


def _either_unit_ids(clauses: list[ColumnElement[bool]], unit_id: int, key: Any,
                     descending: bool, limit: int) -> Any:
    """The first `limit` ids, in page order, of the rows whose unit concerned or whose
    responsible unit is `unit_id`.

    Each side takes its own first `limit` from its own index (ix_submission_unit_cover,
    ix_submission_responsible_cover), then the two short lists are merged. As one OR the
    database visited every matching row: 25 ms at a million submissions on PostgreSQL,
    against 2 ms.
    """
    sides = []
    for column in (Submission.unit_concerned_id, Submission.responsible_unit_id):
        side = (select(col(Submission.id).label("id"), key.label("sort_key"))
                .where(*clauses, col(column) == unit_id)
                .order_by(*_ordered(key, col(Submission.id), descending)).limit(limit))
        # As a subquery: SQLite takes no ORDER BY or LIMIT in a member of a UNION.
        inner = side.subquery()
        sides.append(select(inner.c.id, inner.c.sort_key))
    both = union(*sides).subquery()  # UNION: a row on both sides is listed once
    return (select(both.c.id).order_by(*_ordered(both.c.sort_key, both.c.id, descending))
            .limit(limit).scalar_subquery())


def _ordered(key: Any, row_id: Any, descending: bool) -> tuple[Any, Any]:
    return (key.desc(), row_id.desc()) if descending else (key.asc(), row_id.asc())


def after_clause(key: Any, value: datetime | date, last_id: int,
           descending: bool) -> ColumnElement[bool]:
    pair = tuple_(key, col(Submission.id))
    bound = tuple_(_typed(key, value), _typed(col(Submission.id), last_id))
    return pair < bound if descending else pair > bound


def _typed(column: Any, value: Any) -> Any:
    return literal(value, type_=column.type)


def next_item(session: Session, actor: Actor, query: QueueQuery, submission_id: int,
              now: datetime, *, keys: IntakeKeys,
              tz: str = DEFAULT_TIMEZONE) -> QueueItem | None:
    """The item after `submission_id` in this view of the queue (None at the end, or when
    the case is not in the view). Two queries: the case's sort key, then one row."""
    query = query.validated()
    key = sort_expression(query, actor)
    clauses = where_clauses(session, actor, query, now, tz, keys=keys)
    own = session.execute(select(key.label("sort_key"))
                          .where(col(Submission.id) == submission_id, *clauses)).first()
    if own is None or own.sort_key is None:
        return None
    cursor = encode_cursor(query, own.sort_key, submission_id)
    page = list_queue(session, actor, query, now, keys=keys, after=cursor, limit=1, tz=tz)
    return page.items[0] if page.items else None
