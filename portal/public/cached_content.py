"""The campaign content the public pages show, cached per worker (`portal.worker_cache`).

Announcement queries take the minute rather than the exact time, so one minute's visitors
share a copy and a scheduled announcement still appears within its minute.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from moderation.replies.queries import latest_replies, published_count
from portal.content.models import AnnouncementCategory
from portal.content.pledge_updates import pledge_updates
from portal.content.queries import (
    AnnouncementPage,
    CampaignView,
    announcement_page,
    campaign_view,
    current_campaign,
    latest_announcements,
    public_announcement_titles,
    public_pledges,
)
from portal.worker_cache import CachedData

CAMPAIGN_TABLES = frozenset({"campaign", "campaigntask", "campaignstage", "headlinefigure"})
ANNOUNCEMENT_TABLES = frozenset({"announcement"})
PLEDGE_TABLES = frozenset({"campaign", "pledge", "pledgeupdate", "unit"})

CAMPAIGN = CachedData[CampaignView | None]("public.campaign", CAMPAIGN_TABLES, campaign_view)


def _latest(session: Session, minute: datetime, limit: int) -> tuple:
    return tuple(latest_announcements(session, minute, limit))


def _announcements(session: Session, minute: datetime, page: int,
                   category: AnnouncementCategory | None) -> AnnouncementPage:
    return announcement_page(session, minute, page, category)


def _pledges(session: Session) -> tuple[list, dict]:
    campaign = current_campaign(session)
    items = public_pledges(session, campaign) if campaign else []
    return items, pledge_updates(session, [i.pledge.id for i in items
                                           if i.pledge.id is not None])


LATEST_ANNOUNCEMENTS = CachedData[tuple]("public.latest", ANNOUNCEMENT_TABLES, _latest)
ANNOUNCEMENT_PAGE = CachedData[AnnouncementPage]("public.announcements", ANNOUNCEMENT_TABLES,
                                                 _announcements)
PLEDGES = CachedData[tuple[list, dict]]("public.pledges", PLEDGE_TABLES, _pledges)

HOME_REPLY_COUNT = 3
REPLY_TABLES = frozenset({"publicreply", "caserating", "unit", "category"})


def _home_replies(session: Session) -> dict[str, Any]:
    from portal.public.replies import reply_context  # a page module: imported late

    replies = latest_replies(session, HOME_REPLY_COUNT)
    return {**reply_context(session, replies), "replies": replies,
            "reply_count": published_count(session)}


def _pledge_titles(session: Session, minute: datetime, ids: tuple[int, ...]) -> dict:
    return public_announcement_titles(session, set(ids), minute)


HOME_REPLIES = CachedData[dict[str, Any]]("public.home_replies", REPLY_TABLES, _home_replies)
PLEDGE_ANNOUNCEMENT_TITLES = CachedData[dict]("public.pledge_titles",
                                             ANNOUNCEMENT_TABLES, _pledge_titles)


def minute_of(moment: datetime) -> datetime:
    """The moment without seconds: the key of time-dependent queries."""
    return moment.replace(second=0, microsecond=0)
