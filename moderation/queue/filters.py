"""What a queue shows: the query (tab, filters, sort), role scoping, and SQL clauses.

Every clause is plain SQL over indexed columns; nothing is filtered in Python, so a
page, a count and the export all ask the database the same question.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from moderation.errors import NotPermitted, ValidationFailed
from moderation.intake.deadlines import DEFAULT_TIMEZONE, local_day
from moderation.intake.keys import IntakeKeys
from moderation.intake.models import (
    Channel,
    Priority,
    Submission,
    SubmissionKind,
    SubmissionState,
)
from moderation.queue import messages as m
from moderation.queue.search import search_clause
from moderation.roles import Actor, Role

S = SubmissionState
UNDECIDED = (S.new, S.in_review)
HANDLING = (S.accepted, S.verifying)
HANDLER_STATES = (S.accepted, S.verifying, S.concluded)
QUEUE_ROLES = (Role.moderator, Role.handler, Role.leader)
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(9998, 12, 31)


class Tab(enum.StrEnum):
    new = "new"
    spam = "spam"  # possible spam (疑似广告): new items set aside for a human look
    mine = "mine"
    overdue = "overdue"
    awaiting_citizen = "awaiting_citizen"
    all = "all"


class SortKey(enum.StrEnum):
    received = "received"
    due = "due"


@dataclass(frozen=True)
class QueueQuery:
    """One view of the queue: a tab, optional filters and a sort (defaults: newest first)."""

    tab: Tab = Tab.all
    kind: SubmissionKind | None = None
    state: SubmissionState | None = None
    channel: Channel | None = None
    unit_id: int | None = None  # unit concerned or responsible unit
    category_id: int | None = None
    priority: Priority | None = None
    received_from: date | None = None  # calendar days in the campaign's time zone
    received_to: date | None = None
    text: str = ""
    sort: SortKey = SortKey.received
    descending: bool = True

    @classmethod
    def from_params(cls, params: dict[str, str]) -> QueueQuery:
        """Build a query from form or URL parameters (all strings); ValidationFailed on bad ones.

        Keys: tab, kind, state, channel, unit, category, priority, from, to (YYYY-MM-DD),
        q, sort (received|due), order (asc|desc). Empty values mean "any".
        """
        errors: dict[str, str] = {}

        def enum_of(name: str, kind: type[enum.Enum], message: str = m.BAD_FILTER):  # type: ignore[no-untyped-def]
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return kind(raw)
            except ValueError:
                errors[name] = message
                return None

        def int_of(name: str) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
                errors[name] = m.BAD_FILTER
                return None
            return int(raw)

        def date_of(name: str) -> date | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                errors[name] = m.BAD_FILTER
                return None
            if not DATE_MIN <= day <= DATE_MAX:  # the edges overflow in time-zone maths
                errors[name] = m.BAD_FILTER
                return None
            return day

        query = cls(
            tab=enum_of("tab", Tab, m.BAD_TAB) or Tab.all,
            kind=enum_of("kind", SubmissionKind), state=enum_of("state", SubmissionState),
            channel=enum_of("channel", Channel), unit_id=int_of("unit"),
            category_id=int_of("category"), priority=enum_of("priority", Priority),
            received_from=date_of("from"), received_to=date_of("to"),
            text=(params.get("q") or "").strip(),
            sort=enum_of("sort", SortKey) or SortKey.received,
            descending=(params.get("order") or "desc") != "asc",
        )
        if errors:
            raise ValidationFailed(errors)
        return query.validated()

    def validated(self) -> QueueQuery:
        """This query, checked (date range in order)."""
        if self.received_from and self.received_to and self.received_from > self.received_to:
            raise ValidationFailed({"from": m.BAD_DATE_RANGE})
        return self

    def with_tab(self, tab: Tab) -> QueueQuery:
        return replace(self, tab=tab)


def require_queue_role(actor: Actor) -> None:
    """Moderators, handlers and leaders read the queue; admins and press do not."""
    if actor.role not in QUEUE_ROLES or actor.id is None:
        raise NotPermitted("the queue is for moderators, handlers and leaders")


def scope_clause(actor: Actor) -> ColumnElement[bool] | None:
    """What the actor may see at all (None: everything)."""
    require_queue_role(actor)
    if actor.role == Role.handler:
        if actor.unit_id is None:
            return false()
        return and_(col(Submission.responsible_unit_id) == actor.unit_id,
                    col(Submission.state).in_(HANDLER_STATES))
    return None


def overdue_branches(now: datetime,
                     tz: str = DEFAULT_TIMEZONE) -> tuple[ColumnElement[bool], ...]:
    """The two disjoint halves of "overdue", each one range of a (state, due) index."""
    today = local_day(now, tz)
    return (
        and_(col(Submission.state).in_(UNDECIDED), col(Submission.decision_due_on) < today),
        and_(col(Submission.state).in_(HANDLING), col(Submission.handling_due_on) < today),
    )


def overdue_clause(now: datetime, tz: str = DEFAULT_TIMEZONE) -> ColumnElement[bool]:
    """Undecided past the decision day, or being handled past the handling day."""
    return or_(*overdue_branches(now, tz))


def tab_clause(tab: Tab, actor: Actor, now: datetime,
               tz: str = DEFAULT_TIMEZONE) -> ColumnElement[bool] | None:
    """The tab's condition for this actor (None: no condition).

    For handlers "new" means accepted for their unit and not yet being verified, and
    "mine" means assigned to them; for moderators "mine" is what they have claimed and
    not yet decided. Leaders claim nothing, so their "mine" is empty.
    """
    if tab == Tab.all:
        return None
    if tab == Tab.overdue:
        return overdue_clause(now, tz)
    if tab == Tab.awaiting_citizen:
        return col(Submission.awaiting_citizen) == True  # noqa: E712
    if tab == Tab.new:
        if actor.role == Role.handler:
            return col(Submission.state) == S.accepted
        return and_(col(Submission.state) == S.new, col(Submission.spam_signals) == "")
    if tab == Tab.spam:
        if actor.role == Role.handler:
            return false()
        # "> ''" rather than "!= ''": the same rows (codes are never blank), read as a
        # range of ix_submission_state_spam instead of every new item filtered one by one
        # (0.6 ms of each queue page at a million submissions on PostgreSQL).
        return and_(col(Submission.state) == S.new, col(Submission.spam_signals) > "")
    # Tab.mine
    if actor.role == Role.moderator:
        return and_(col(Submission.claimed_by_id) == actor.id,
                    col(Submission.state).in_(UNDECIDED))
    if actor.role == Role.handler:
        return col(Submission.handler_id) == actor.id
    return false()


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def filter_clauses(session: Session, query: QueueQuery, tz: str = DEFAULT_TIMEZONE, *,
                   keys: IntakeKeys | None = None) -> list[ColumnElement[bool]]:
    """The filters of `query` (kind, state, ..., date range, search text).

    Searching needs `keys` (the blind index is keyed); ValueError without them.
    """
    out: list[ColumnElement[bool]] = []
    pairs = ((Submission.kind, query.kind), (Submission.state, query.state),
             (Submission.channel, query.channel), (Submission.category_id, query.category_id),
             (Submission.priority, query.priority))
    for column, value in pairs:
        if value is not None:
            out.append(col(column) == value)
    if query.unit_id is not None:
        out.append(or_(col(Submission.unit_concerned_id) == query.unit_id,
                       col(Submission.responsible_unit_id) == query.unit_id))
    if query.received_from is not None:
        out.append(col(Submission.received_at) >= _start_of(query.received_from, tz))
    if query.received_to is not None:
        out.append(col(Submission.received_at)
                   < _start_of(query.received_to + timedelta(days=1), tz))
    if query.text.strip() and keys is None:
        raise ValueError("searching the queue needs the intake keys")
    found = search_clause(session, keys, query.text) if keys is not None else None
    if found is not None:
        out.append(found)
    return out


def where_clauses(session: Session, actor: Actor, query: QueueQuery, now: datetime,
                  tz: str = DEFAULT_TIMEZONE, *,
                  keys: IntakeKeys | None = None) -> list[ColumnElement[bool]]:
    """Scope, tab and filters together: the WHERE of a page, a count or the export."""
    clauses = [c for c in (scope_clause(actor), tab_clause(query.tab, actor, now, tz))
               if c is not None]
    return clauses + filter_clauses(session, query, tz, keys=keys)
