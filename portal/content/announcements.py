"""Writing announcements: drafts, publishing now or later, unpublishing, archiving, pinning.

Every function takes a session, an actor and a clock, checks the row's `version`,
writes one audit row and leaves the commit to the caller.

The public rule: an announcement is public when its status is published or
scheduled and its `publish_at` has passed (see `is_public` / `public_clause`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col

from moderation.audit import record
from moderation.clock import Clock, system_clock
from moderation.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from moderation.roles import Actor
from moderation.sqltypes import LocalizedText
from portal.content.markdown import render_markdown
from portal.content.models import Announcement, AnnouncementCategory, AnnouncementStatus
from portal.locale_context import lazy_gettext

PUBLIC_STATUSES = (AnnouncementStatus.published, AnnouncementStatus.scheduled)
TARGET = "announcement"

NEEDS_TIME = lazy_gettext("Enter the date and time to publish at.")
NOT_IN_FUTURE = lazy_gettext("The publication time must be in the future.")


@dataclass
class AnnouncementDraft:
    """What the editor writes; status and publication are changed by the actions below."""

    category: AnnouncementCategory
    title: LocalizedText
    summary: LocalizedText = field(default_factory=dict)
    body_markdown: LocalizedText = field(default_factory=dict)
    cover_image: str | None = None
    cover_alt: LocalizedText = field(default_factory=dict)
    pinned: bool = False
    publish_at: datetime | None = None


def is_public(announcement: Announcement, now: datetime) -> bool:
    """True when readers may see the announcement at `now`."""
    return (announcement.status in PUBLIC_STATUSES and announcement.publish_at is not None
            and announcement.publish_at <= now)


def public_clause(now: datetime) -> ColumnElement[bool]:
    """The same rule as `is_public`, as a SQL condition."""
    return and_(col(Announcement.status).in_(PUBLIC_STATUSES),
                col(Announcement.publish_at).is_not(None),
                col(Announcement.publish_at) <= now)


def effective_status(announcement: Announcement, now: datetime) -> AnnouncementStatus:
    """The status readers experience: a scheduled item whose time has come is published."""
    if announcement.status == AnnouncementStatus.scheduled and is_public(announcement, now):
        return AnnouncementStatus.published
    return announcement.status


def snapshot(announcement: Announcement) -> dict[str, Any]:
    """The audited view of a row (the rendered HTML is derived, so left out)."""
    data = announcement.model_dump(exclude={"body_html"})
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


def _render(body: LocalizedText) -> LocalizedText:
    return {locale: str(render_markdown(text)) for locale, text in body.items() if text}


def _load(session: Session, announcement_id: int, version: int | None) -> Announcement:
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound(f"announcement {announcement_id}")
    if version is not None and row.version != version:
        raise StaleVersion(f"announcement {announcement_id} is at version {row.version}")
    return row


def _save(session: Session, actor: Actor, action: str, row: Announcement,
          before: dict[str, Any] | None, clock: Clock) -> Announcement:
    row.updated_at = clock()
    if before is not None:
        row.version += 1
    session.add(row)
    session.flush()
    record(session, actor, f"{TARGET}.{action}", TARGET, row.id, before=before,
           after=snapshot(row), clock=clock)
    return row


def _apply(row: Announcement, draft: AnnouncementDraft) -> None:
    row.category = draft.category
    row.title = dict(draft.title)
    row.summary = dict(draft.summary)
    row.body_markdown = dict(draft.body_markdown)
    row.body_html = _render(draft.body_markdown)
    row.cover_image = draft.cover_image
    row.cover_alt = dict(draft.cover_alt)
    row.pinned = draft.pinned


def create(session: Session, actor: Actor, draft: AnnouncementDraft, *,
           clock: Clock = system_clock) -> Announcement:
    """A new draft announcement."""
    now = clock()
    row = Announcement(category=draft.category, status=AnnouncementStatus.draft,
                       author_id=actor.id, created_at=now, updated_at=now,
                       publish_at=draft.publish_at)
    _apply(row, draft)
    return _save(session, actor, "create", row, None, clock)


def update(session: Session, actor: Actor, announcement_id: int, version: int,
           draft: AnnouncementDraft, *, clock: Clock = system_clock) -> Announcement:
    """Change the texts and settings; the status stays as it is.

    A draft or scheduled item takes the new `publish_at`; a published one keeps its date
    unless a new one is given.
    """
    row = _load(session, announcement_id, version)
    before = snapshot(row)
    if row.status == AnnouncementStatus.scheduled and draft.publish_at is None:
        raise ValidationFailed({"publish_at": NEEDS_TIME})
    _apply(row, draft)
    if draft.publish_at is not None or row.status == AnnouncementStatus.draft:
        row.publish_at = draft.publish_at
    return _save(session, actor, "update", row, before, clock)


def _transition(session: Session, actor: Actor, announcement_id: int, version: int,
                allowed: tuple[AnnouncementStatus, ...]) -> tuple[Announcement, dict[str, Any]]:
    row = _load(session, announcement_id, version)
    if row.status not in allowed:
        raise InvalidTransition(f"announcement {announcement_id} is {row.status.value}")
    return row, snapshot(row)


def publish_now(session: Session, actor: Actor, announcement_id: int, version: int, *,
                clock: Clock = system_clock) -> Announcement:
    """Make the announcement public from now on."""
    row, before = _transition(session, actor, announcement_id, version,
                              (AnnouncementStatus.draft, AnnouncementStatus.scheduled,
                               AnnouncementStatus.archived))
    row.status, row.publish_at = AnnouncementStatus.published, clock()
    return _save(session, actor, "publish", row, before, clock)


def schedule(session: Session, actor: Actor, announcement_id: int, version: int,
             at: datetime | None, *, clock: Clock = system_clock) -> Announcement:
    """Publish automatically at `at` (which must lie in the future)."""
    if at is None:
        raise ValidationFailed({"publish_at": NEEDS_TIME})
    if at <= clock():
        raise ValidationFailed({"publish_at": NOT_IN_FUTURE})
    row, before = _transition(session, actor, announcement_id, version,
                              (AnnouncementStatus.draft, AnnouncementStatus.scheduled,
                               AnnouncementStatus.archived))
    row.status, row.publish_at = AnnouncementStatus.scheduled, at
    return _save(session, actor, "schedule", row, before, clock)


def unpublish(session: Session, actor: Actor, announcement_id: int, version: int, *,
              clock: Clock = system_clock) -> Announcement:
    """Take the announcement off the site: back to draft."""
    row, before = _transition(session, actor, announcement_id, version,
                              (AnnouncementStatus.published, AnnouncementStatus.scheduled,
                               AnnouncementStatus.archived))
    row.status = AnnouncementStatus.draft
    return _save(session, actor, "unpublish", row, before, clock)


def archive(session: Session, actor: Actor, announcement_id: int, version: int, *,
            clock: Clock = system_clock) -> Announcement:
    """Retire the announcement: no longer public, kept for the record."""
    row, before = _transition(session, actor, announcement_id, version,
                              (AnnouncementStatus.draft, AnnouncementStatus.scheduled,
                               AnnouncementStatus.published))
    row.status = AnnouncementStatus.archived
    return _save(session, actor, "archive", row, before, clock)


def set_pinned(session: Session, actor: Actor, announcement_id: int, version: int,
               pinned: bool, *, clock: Clock = system_clock) -> Announcement:
    """Pin the announcement to the top of lists, or unpin it."""
    row = _load(session, announcement_id, version)
    if row.pinned == pinned:
        raise InvalidTransition(f"announcement {announcement_id} pinned={pinned} already")
    before = snapshot(row)
    row.pinned = pinned
    return _save(session, actor, "pin" if pinned else "unpin", row, before, clock)
