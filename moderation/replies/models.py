"""The public reply of a consenting, concluded case.

Everything a public page shows is copied here when staff write the reply (kind, topic,
answering unit, outcome, dates): public queries read this table and the rating, never
the submission's text or contact details, which may be encrypted or erased.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from moderation.intake.models import REASON_MAX, Outcome, SubmissionKind
from moderation.sqltypes import enum_field, utc_field

SUMMARY_MAX = 4_000
REPLY_MAX = 10_000


class ReplyState(enum.StrEnum):
    draft = "draft"  # written by staff, awaiting a moderator's approval
    published = "published"  # approved by a moderator: on the public pages
    unpublished = "unpublished"  # taken down by a moderator, with a reason
    withdrawn = "withdrawn"  # the citizen withdrew consent before publication


class PublicReply(SQLModel, table=True):
    """One case's public reply; `version` guards concurrent staff writes."""

    __table_args__ = (Index("ix_publicreply_state_published", "state", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", unique=True, index=True)
    state: ReplyState = enum_field(ReplyState, ReplyState.draft, index=True)
    version: int = Field(default=1)
    summary: str = Field(max_length=SUMMARY_MAX)  # staff's words, never the citizen's
    reply: str = Field(max_length=REPLY_MAX)  # the official reply, as published
    kind: SubmissionKind = enum_field(SubmissionKind, SubmissionKind.suggestion, index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    outcome: Outcome | None = enum_field(Outcome, None, nullable=True)
    received_on: date
    concluded_on: date = Field(index=True)
    written_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    approved_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    published_at: datetime | None = utc_field(nullable=True)
    unpublish_reason: str = Field(default="", max_length=REASON_MAX)
    updated_at: datetime = utc_field()
