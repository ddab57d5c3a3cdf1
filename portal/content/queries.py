"""Read side of the campaign content: what the public pages, feed and sitemap show.

Visibility of announcements is the press side's rule (`public_clause`), applied to every
query here so that the list, the detail, the home page, the feed and the sitemap agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from moderation.sqltypes import LocalizedText
from moderation.units import Unit
from portal.content.announcements import public_clause
from portal.content.models import (
    Announcement,
    AnnouncementCategory,
    Campaign,
    CampaignStage,
    CampaignTask,
    HeadlineFigure,
    Pledge,
)

PAGE_SIZE = 10


@dataclass(frozen=True)
class CampaignView:
    """The campaign with everything its front page shows."""

    campaign: Campaign
    tasks: list[CampaignTask]
    stages: list[CampaignStage]
    figures: list[HeadlineFigure]


@dataclass(frozen=True)
class PledgeView:
    pledge: Pledge
    unit: Unit | None


@dataclass(frozen=True)
class AnnouncementPage:
    """One page of public announcements."""

    items: list[Announcement]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def current_campaign(session: Session) -> Campaign | None:
    """The campaign this portal serves (the first one)."""
    return session.exec(select(Campaign).order_by(col(Campaign.id))).first()


def campaign_view(session: Session) -> CampaignView | None:
    """The campaign with its tasks, stages and headline figures in display order."""
    campaign = current_campaign(session)
    if campaign is None:
        return None
    tasks = session.exec(select(CampaignTask).where(CampaignTask.campaign_id == campaign.id)
                         .order_by(col(CampaignTask.position), col(CampaignTask.id))).all()
    stages = session.exec(select(CampaignStage).where(CampaignStage.campaign_id == campaign.id)
                          .order_by(col(CampaignStage.position), col(CampaignStage.id))).all()
    figures = session.exec(select(HeadlineFigure)
                           .where(HeadlineFigure.campaign_id == campaign.id)
                           .order_by(col(HeadlineFigure.position),
                                     col(HeadlineFigure.id))).all()
    return CampaignView(campaign, list(tasks), list(stages), list(figures))


def public_pledges(session: Session, campaign: Campaign) -> list[PledgeView]:
    """The campaign's pledges in display order, each with its responsible unit."""
    rows = session.exec(
        select(Pledge, Unit).join(Unit, col(Pledge.unit_id) == col(Unit.id), isouter=True)
        .where(Pledge.campaign_id == campaign.id)
        .order_by(col(Pledge.position), col(Pledge.id))
    ).all()
    return [PledgeView(pledge, unit) for pledge, unit in rows]


def _newest_first() -> tuple:
    return (col(Announcement.publish_at).desc(), col(Announcement.id).desc())


def latest_announcements(session: Session, now: datetime, limit: int = 5) -> list[Announcement]:
    """The newest public announcements, pinned ones first."""
    query = (select(Announcement).where(public_clause(now))
             .order_by(col(Announcement.pinned).desc(), *_newest_first()).limit(limit))
    return list(session.exec(query))


def announcement_page(session: Session, now: datetime, page: int,
                      category: AnnouncementCategory | None = None,
                      page_size: int = PAGE_SIZE) -> AnnouncementPage:
    """One page of public announcements (pinned first), optionally of one category."""
    condition = public_clause(now)
    if category is not None:
        condition = and_(condition, col(Announcement.category) == category)
    total = session.exec(select(func.count()).select_from(Announcement).where(condition)).one()
    pages = max(1, math.ceil(total / page_size))
    items = session.exec(
        select(Announcement).where(condition)
        .order_by(col(Announcement.pinned).desc(), *_newest_first())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return AnnouncementPage(list(items), page, pages, total)


def public_announcement(session: Session, announcement_id: int,
                        now: datetime) -> Announcement | None:
    """One announcement, only if the public may see it."""
    return session.exec(
        select(Announcement).where(Announcement.id == announcement_id, public_clause(now))
    ).first()


def feed_announcements(session: Session, now: datetime, limit: int = 50) -> list[Announcement]:
    """The newest public announcements, by date only (for the Atom feed)."""
    return list(session.exec(select(Announcement).where(public_clause(now))
                             .order_by(*_newest_first()).limit(limit)))


def public_announcement_titles(session: Session, ids: set[int], now: datetime
                               ) -> dict[int, LocalizedText]:
    """The titles of those of `ids` that are public now (links from pledge progress)."""
    if not ids:
        return {}
    rows = session.exec(select(Announcement).where(col(Announcement.id).in_(ids),
                                                   public_clause(now)))
    return {row.id: row.title for row in rows if row.id is not None}


def all_public_announcements(session: Session, now: datetime) -> list[Announcement]:
    """Every public announcement, newest first (for the sitemap)."""
    return list(session.exec(select(Announcement).where(public_clause(now))
                             .order_by(*_newest_first())))
