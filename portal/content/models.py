"""Tables of the public campaign: what it is, what it promises, what it announces."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from moderation.sqltypes import LocalizedText, enum_field, localized_field, utc_field


class Campaign(SQLModel, table=True):
    """The campaign this portal serves (one row); every text is per language."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: LocalizedText = localized_field()
    tagline: LocalizedText = localized_field()
    overall_requirement: LocalizedText = localized_field()
    intro: LocalizedText = localized_field()
    how_to_report: LocalizedText = localized_field()  # Markdown, sanitised on render
    confidentiality: LocalizedText = localized_field()  # Markdown, sanitised on render
    hotline_phone: str = Field(default="", max_length=64)
    hotline_hours: LocalizedText = localized_field()
    mailbox_address: LocalizedText = localized_field()
    email: str = Field(default="", max_length=254)
    starts_on: date | None = None
    ends_on: date | None = None
    updated_at: datetime | None = utc_field(nullable=True)
    version: int = Field(default=1)


class CampaignTask(SQLModel, table=True):
    """One of the campaign's tasks (e.g. the four tasks of the article)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    position: int = Field(default=0)
    title: LocalizedText = localized_field()
    description: LocalizedText = localized_field()


class CampaignStage(SQLModel, table=True):
    """A stage of the campaign with its dates (学习教育, 查纠整改, 总结提升)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    position: int = Field(default=0)
    name: LocalizedText = localized_field()
    description: LocalizedText = localized_field()
    starts_on: date | None = None
    ends_on: date | None = None


class HeadlineFigure(SQLModel, table=True):
    """A headline number shown on the home page (e.g. 811 suggestions collected)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    position: int = Field(default=0)
    label: LocalizedText = localized_field()
    value: int = Field(default=0, ge=0)
    suffix: LocalizedText = localized_field()  # "场", "+" ...
    as_of: date | None = None


class PledgeStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    fulfilled = "fulfilled"


class Pledge(SQLModel, table=True):
    """A public pledge (为民承诺), tracked to fulfilment."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    position: int = Field(default=0)
    title: LocalizedText = localized_field()
    description: LocalizedText = localized_field()
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    status: PledgeStatus = enum_field(PledgeStatus, PledgeStatus.planned)
    progress: int = Field(default=0, ge=0, le=100)
    updated_at: datetime | None = utc_field(nullable=True)


class PledgeUpdate(SQLModel, table=True):
    """A dated progress update of a pledge: its status and progress then, and a note."""

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    happened_on: date = Field(index=True)
    status: PledgeStatus = enum_field(PledgeStatus, PledgeStatus.in_progress)
    progress: int = Field(default=0, ge=0, le=100)
    note: LocalizedText = localized_field()
    # An announcement that tells more about this step (optional).
    announcement_id: int | None = Field(default=None, foreign_key="announcement.id",
                                        ondelete="SET NULL")
    author_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()


class AnnouncementCategory(enum.StrEnum):
    press_conference = "press_conference"
    news = "news"
    hero_story = "hero_story"
    warning_case = "warning_case"
    notice = "notice"


class AnnouncementStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    published = "published"
    archived = "archived"


class Announcement(SQLModel, table=True):
    """News, notices and press releases. Public once published and `publish_at` has passed."""

    id: int | None = Field(default=None, primary_key=True)
    category: AnnouncementCategory = enum_field(AnnouncementCategory, index=True)
    status: AnnouncementStatus = enum_field(AnnouncementStatus, AnnouncementStatus.draft,
                                            index=True)
    title: LocalizedText = localized_field()
    summary: LocalizedText = localized_field()
    body_markdown: LocalizedText = localized_field()
    body_html: LocalizedText = localized_field()  # rendered and sanitised on save
    cover_image: str | None = Field(default=None, max_length=128)
    cover_alt: LocalizedText = localized_field()
    pinned: bool = Field(default=False)
    publish_at: datetime | None = utc_field(nullable=True, index=True)
    author_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    version: int = Field(default=1)
