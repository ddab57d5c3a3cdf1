"""Tables of citizen intake: categories, submissions, their files, messages and ratings.

Privacy rules the schema itself keeps: no IP address, user agent or exact time of a
citizen action is stored (times are truncated to the hour); the receipt code is never
stored, only its keyed hash; everything the citizen wrote (text, follow-ups, contact
details, file names) is ciphertext under a key per submission (`wrapped_key`), so setting
that key to NULL erases it. Read those texts through `moderation.intake.texts`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from moderation.intake.metadata_status import MetadataStatus
from moderation.sqltypes import LocalizedText, enum_field, localized_field, utc_field

# Lengths shared by the models and the validation in `validation.py`.
CONTENT_MAX = 20_000
PEOPLE_MAX = 500
WHEN_WHERE_MAX = 200
REASON_MAX = 2_000
MESSAGE_MAX = 10_000
FINDING_MAX = 10_000


class SubmissionKind(enum.StrEnum):
    tip = "tip"  # 举报
    suggestion = "suggestion"  # 意见建议


class Channel(enum.StrEnum):
    web = "web"
    phone = "phone"
    letter = "letter"
    visit = "visit"
    email = "email"


class SubmissionState(enum.StrEnum):
    """Internal states; the transitions belong to the queue (issue 4)."""

    new = "new"
    in_review = "in_review"
    rejected = "rejected"
    accepted = "accepted"
    verifying = "verifying"
    concluded = "concluded"


class Priority(enum.StrEnum):
    """Triage priority a moderator sets (issue 4)."""

    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class RejectReason(enum.StrEnum):
    """Why a submission was not accepted (不予受理); each has a public reply template."""

    spam = "spam"
    out_of_scope = "out_of_scope"
    abusive = "abusive"
    duplicate = "duplicate"
    insufficient_information = "insufficient_information"


class HandlingMode(enum.StrEnum):
    """Who verifies a lead (办理方式); all but `direct` keep a unit from judging itself."""

    direct = "direct"  # 直接办理
    escalated = "escalated"  # 提级办理
    cross_unit = "cross_unit"  # 交叉办理
    off_site = "off_site"  # 异地办理
    leader_owned = "leader_owned"  # 领导包案


class Outcome(enum.StrEnum):
    """The result of a concluded case: three for tips, three for suggestions."""

    substantiated = "substantiated"  # 查实
    partly_substantiated = "partly_substantiated"  # 部分查实
    unsubstantiated = "unsubstantiated"  # 查否
    adopted = "adopted"  # 采纳
    partly_adopted = "partly_adopted"  # 部分采纳
    noted = "noted"  # 留存参考


class Category(SQLModel, table=True):
    """A topic a citizen picks (suggestions) or a moderator assigns (tips)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: LocalizedText = localized_field()
    kind: SubmissionKind = enum_field(SubmissionKind, SubmissionKind.suggestion, index=True)
    position: int = Field(default=0)
    active: bool = Field(default=True)


class Submission(SQLModel, table=True):
    """One tip or suggestion, as received; `version` guards concurrent staff writes."""

    __table_args__ = (
        Index("ix_submission_state_received", "state", "received_at"),
        Index("ix_submission_state_decision_due", "state", "decision_due_on"),
        # The queue's overdue tab and counters (moderation.queue.filters.overdue_clause).
        Index("ix_submission_state_handling_due", "state", "handling_due_on"),
        # Similar-case hints: the newest submissions about one unit
        # (moderation.queue.similar), without reading every row of the unit.
        Index("ix_submission_unit_received", "unit_concerned_id", "received_at"),
        # The queue at a million rows (bench/queue_http.py): a filtered page picks its
        # rows from this index alone, without reading one row it does not show;
        Index("ix_submission_queue_cover", "state", "received_at", "unit_concerned_id",
              "responsible_unit_id", "handling_due_on", "decision_due_on"),
        # the "mine" count reads only claimed rows (most rows are never claimed, which
        # made the planner prefer the state index and read every undecided row);
        Index("ix_submission_claimed_state", "claimed_by_id", "state",
              sqlite_where=text("claimed_by_id IS NOT NULL"),
              postgresql_where=text("claimed_by_id IS NOT NULL")),
        # the new tab's two halves (possible spam or not) are counted from the index;
        Index("ix_submission_state_spam", "state", "spam_signals"),
        # a page filtered by unit reads each side of "unit concerned or responsible unit"
        # from an index of its own (moderation.queue.listing._either_unit_ids).
        Index("ix_submission_unit_cover", "unit_concerned_id", "state", "received_at",
              "handling_due_on", "decision_due_on", "id"),
        Index("ix_submission_responsible_cover", "responsible_unit_id", "state",
              "received_at", "handling_due_on", "decision_due_on", "id"),
        # A case's duplicates, oldest first (moderation.workflow.duplicates.duplicates_of):
        # only marked rows, so the planner never takes it for one matching every row.
        Index("ix_submission_duplicates", "duplicate_of_id", "received_at", "id",
              sqlite_where=text("duplicate_of_id IS NOT NULL"),
              postgresql_where=text("duplicate_of_id IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    kind: SubmissionKind = enum_field(SubmissionKind, SubmissionKind.tip, index=True)
    channel: Channel = enum_field(Channel, Channel.web, index=True)
    state: SubmissionState = enum_field(SubmissionState, SubmissionState.new, index=True)
    version: int = Field(default=1)

    receipt_hash: str = Field(max_length=64, unique=True, index=True)
    idempotency_hash: str = Field(max_length=64, unique=True, index=True)
    received_at: datetime = utc_field(index=True)  # truncated to the hour

    unit_concerned_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    # Content, people concerned, when and where, sealed under the data key (texts.py).
    text_sealed: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True))

    anonymous: bool = Field(default=True)
    # The citizen agreed that, once concluded, a staff-written summary and the reply may
    # be published (回复公开); withdrawable until publication (`moderation.replies`).
    publish_consent: bool = Field(default=False)
    # AES-GCM ciphertext of {"name", "phone", "email"} under the data key; NULL if none.
    contact_sealed: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary(length=2048), nullable=True))
    # The data key, wrapped by the master key; NULL once erased.
    wrapped_key: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary(length=128), nullable=True))
    erased_at: datetime | None = utc_field(nullable=True)
    content_sha256: str = Field(max_length=64)

    decision_due_on: date = Field(index=True)
    handling_due_on: date | None = Field(default=None, index=True)
    concluded_at: datetime | None = utc_field(nullable=True)
    review_due_on: date | None = Field(default=None, index=True)
    extended: bool = Field(default=False)
    extension_reason: str = Field(default="", max_length=REASON_MAX)

    registered_by_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)

    # --- the queue's workflow (issue 4, `moderation.workflow`) ---
    priority: Priority = enum_field(Priority, Priority.normal, index=True)
    claimed_by_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    claimed_until: datetime | None = utc_field(nullable=True)
    decided_at: datetime | None = utc_field(nullable=True)  # accepted or rejected
    reject_reason: RejectReason | None = enum_field(RejectReason, None, nullable=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    handling_mode: HandlingMode | None = enum_field(HandlingMode, None, nullable=True)
    responsible_unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    handler_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    outcome: Outcome | None = enum_field(Outcome, None, nullable=True, index=True)
    finding: str = Field(default="", max_length=FINDING_MAX)  # internal, never public
    awaiting_citizen: bool = Field(default=False, index=True)
    needs_decision: bool = Field(default=False, index=True)  # review asked or 不满意
    # Possible spam (moderation.intake.spam): comma-separated signal codes, "" if none.
    spam_signals: str = Field(default="", max_length=64,
                              sa_column_kwargs={"server_default": text("''")})
    updated_at: datetime | None = utc_field(nullable=True)


class MessageAuthor(enum.StrEnum):
    citizen = "citizen"
    staff = "staff"


class MessageKind(enum.StrEnum):
    message = "message"
    question = "question"  # staff asks the citizen; shown on the track page
    answer = "answer"  # the citizen answers a question
    rating = "rating"
    review_request = "review_request"


class CaseMessage(SQLModel, table=True):
    """One message on a case; `public` ones are shown to the citizen."""

    __table_args__ = (Index("ix_casemessage_submission_created", "submission_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    author: MessageAuthor = enum_field(MessageAuthor, MessageAuthor.citizen)
    staff_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    kind: MessageKind = enum_field(MessageKind, MessageKind.message, index=True)
    body: str = Field(default="", max_length=MESSAGE_MAX)  # staff messages only
    # A citizen's message, sealed under the submission's data key; NULL for staff ones.
    body_sealed: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True))
    public: bool = Field(default=True)
    reply_to_id: int | None = Field(default=None, foreign_key="casemessage.id")
    created_at: datetime = utc_field()  # hour precision for citizen messages


class SubmissionFile(SQLModel, table=True):
    """An encrypted, metadata-stripped evidence file; the plaintext never touches disk."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="casemessage.id", index=True)
    stored_name: str = Field(max_length=64, unique=True)
    size: int  # bytes of the sanitised plaintext
    media_type: str = Field(max_length=100)
    extension: str = Field(max_length=10)
    # The sanitised original name, encrypted: names like "张三的举报.docx" identify.
    display_name_sealed: bytes = Field(sa_column=Column(LargeBinary(length=1024), nullable=False))
    sha256: str = Field(max_length=64)  # of the sanitised plaintext
    metadata_status: MetadataStatus = enum_field(MetadataStatus, MetadataStatus.stripped)
    created_at: datetime = utc_field()  # hour precision


class Rating(enum.StrEnum):
    satisfied = "satisfied"  # 满意
    mostly = "mostly"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


class CaseRating(SQLModel, table=True):
    """The citizen's rating of a concluded case (one per conclusion round)."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    rating: Rating = enum_field(Rating, Rating.satisfied, index=True)
    # The citizen's comment, sealed under the data key; NULL when none.
    comment_sealed: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = utc_field()  # hour precision


class ReviewStatus(enum.StrEnum):
    pending = "pending"
    granted = "granted"
    refused = "refused"


class ReviewRequest(SQLModel, table=True):
    """A citizen's request for review of a conclusion; a moderator decides (issue 4)."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    # The citizen's reason, sealed under the data key; NULL when none.
    reason_sealed: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True))
    status: ReviewStatus = enum_field(ReviewStatus, ReviewStatus.pending, index=True)
    created_at: datetime = utc_field()  # hour precision
    decided_at: datetime | None = utc_field(nullable=True)
    decided_by_id: int | None = Field(default=None, foreign_key="staffuser.id")


class ClockPolicy(SQLModel, table=True):
    """Statutory clocks of a campaign (days); no row means the defaults in `deadlines`."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", unique=True)
    decision_days: int = Field(default=15)
    handling_days: int = Field(default=60)
    extension_days: int = Field(default=30)
    max_extensions: int = Field(default=1)
    review_window_days: int = Field(default=30)
