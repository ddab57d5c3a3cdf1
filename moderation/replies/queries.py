"""What the public pages read: published replies only, with filters, search and pages.

Nothing here reads the submission's text or contact details; the only value taken from
the citizen's side is their rating (满意 / 基本满意 / 不满意), never its comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from moderation.intake.models import CaseRating, Rating, Submission, SubmissionKind
from moderation.replies.models import PublicReply, ReplyState

PAGE_SIZE = 20
SEARCH_MAX = 100


@dataclass(frozen=True)
class ReplyFilters:
    """The public list's filters; None or "" means "any"."""

    kind: SubmissionKind | None = None
    category_id: int | None = None
    unit_id: int | None = None
    year: int | None = None
    search: str = ""


@dataclass(frozen=True)
class ReplyPage:
    items: list[PublicReply]
    total: int
    page: int
    pages: int


def _published():  # type: ignore[no-untyped-def]
    return col(PublicReply.state) == ReplyState.published


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(filters: ReplyFilters):  # type: ignore[no-untyped-def]
    conditions = [_published()]
    if filters.kind is not None:
        conditions.append(col(PublicReply.kind) == filters.kind)
    if filters.category_id is not None:
        conditions.append(col(PublicReply.category_id) == filters.category_id)
    if filters.unit_id is not None:
        conditions.append(col(PublicReply.unit_id) == filters.unit_id)
    if filters.year is not None:
        conditions.append(col(PublicReply.concluded_on) >= date(filters.year, 1, 1))
        conditions.append(col(PublicReply.concluded_on) < date(filters.year + 1, 1, 1))
    words = filters.search.split()[:5]
    for word in words:
        pattern = f"%{_escape_like(word[:SEARCH_MAX])}%"
        conditions.append(or_(col(PublicReply.summary).ilike(pattern, escape="\\"),
                              col(PublicReply.reply).ilike(pattern, escape="\\")))
    return conditions


def published_replies(session: Session, filters: ReplyFilters, page: int = 1,
                      page_size: int = PAGE_SIZE) -> ReplyPage:
    """One page of published replies, newest publication first."""
    conditions = _filtered(filters)
    total = session.exec(select(func.count()).select_from(PublicReply)
                         .where(*conditions)).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    items = list(session.exec(
        select(PublicReply).where(*conditions)
        .order_by(col(PublicReply.published_at).desc(), col(PublicReply.id).desc())
        .offset((page - 1) * page_size).limit(page_size)))
    return ReplyPage(items, total, page, pages)


def published_reply(session: Session, reply_id: int) -> PublicReply | None:
    """One published reply, or None (drafts and taken-down replies are not public)."""
    return session.exec(select(PublicReply).where(col(PublicReply.id) == reply_id,
                                                  _published())).first()


def latest_replies(session: Session, limit: int = 3) -> list[PublicReply]:
    return published_replies(session, ReplyFilters(), 1, limit).items


def published_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PublicReply)
                        .where(_published())).one()


def published_reply_stamps(session: Session) -> list[tuple[int, datetime]]:
    """(id, last change) of every published reply, for the sitemap."""
    rows = session.exec(select(PublicReply.id, PublicReply.updated_at).where(_published())
                        .order_by(col(PublicReply.id)))
    return [(reply_id, updated) for reply_id, updated in rows if reply_id is not None]


def reply_years(session: Session) -> list[int]:
    """The years in which published replies' cases were concluded, newest first."""
    days = session.exec(select(PublicReply.concluded_on).where(_published()))
    return sorted({day.year for day in days}, reverse=True)


def ratings_of(session: Session, replies: list[PublicReply]) -> dict[int, Rating]:
    """The citizen's latest rating of each reply's case, by reply id (rating only)."""
    by_submission = {r.submission_id: r.id for r in replies if r.id is not None}
    if not by_submission:
        return {}
    rows = session.exec(select(CaseRating.submission_id, CaseRating.rating)
                        .where(col(CaseRating.submission_id).in_(by_submission))
                        .order_by(col(CaseRating.id)))
    return {by_submission[submission_id]: Rating(rating) for submission_id, rating in rows}


@dataclass(frozen=True)
class StaffReplyRow:
    """A public reply as the moderators' list shows it."""

    reply: PublicReply
    reference: str


def replies_in_state(session: Session, state: ReplyState, limit: int = 200
                     ) -> list[StaffReplyRow]:
    """Replies in one state, most recently changed first, with their case numbers."""
    rows = session.exec(
        select(PublicReply, Submission.reference)
        .join(Submission, col(Submission.id) == PublicReply.submission_id)
        .where(col(PublicReply.state) == state)
        .order_by(col(PublicReply.updated_at).desc(), col(PublicReply.id).desc())
        .limit(limit))
    return [StaffReplyRow(reply, reference) for reply, reference in rows]


def count_in_state(session: Session, state: ReplyState) -> int:
    return session.exec(select(func.count()).select_from(PublicReply)
                        .where(col(PublicReply.state) == state)).one()
