"""Tables of the rectification ledger.

Texts shown to the public are per language (`localized_field`). Measures are a JSON list
of per-language texts on the item: they are ordered, edited with the item, have no dates
or lifecycle of their own and travel as one column in CSV. Mechanisms (建章立制) are a
child table: each is dated, has an area and is counted in the statistics.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from moderation.sqltypes import LocalizedText, enum_field, localized_field, utc_field

# Lengths checked by `validation.py` (per language for localized texts).
TITLE_MAX = 200
SUMMARY_MAX = 1_000
DESCRIPTION_MAX = 10_000
MEASURE_MAX = 500
MEASURES_MAX = 50
LEAD_MAX = 100
ENTRY_MAX = 5_000
CODE_MAX = 32
VERIFIER_MAX = 100
WEIGHT_MAX = 1_000


class LedgerStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    rectified = "rectified"  # 已整改: the unit says it is done
    verified = "verified"  # 已验收: checked and accepted


# Filled in when an item reaches the status (Decidim's "progress of a status").
# Rectified stops short of 100: the work is done but not yet checked.
DEFAULT_PROGRESS: dict[LedgerStatus, int] = {
    LedgerStatus.planned: 0,
    LedgerStatus.in_progress: 10,
    LedgerStatus.rectified: 90,
    LedgerStatus.verified: 100,
}
DONE_STATUSES = frozenset({LedgerStatus.rectified, LedgerStatus.verified})


class LedgerCategory(SQLModel, table=True):
    """A kind of chronic problem (顽瘴痼疾), e.g. 违规经商办企业; `code` is the stable key."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=CODE_MAX, unique=True, index=True)
    name: LocalizedText = localized_field()
    position: int = Field(default=0)
    active: bool = Field(default=True)


class LedgerItem(SQLModel, table=True):
    """One problem on the ledger; `version` guards concurrent staff writes."""

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=CODE_MAX, unique=True, index=True)
    parent_id: int | None = Field(default=None, foreign_key="ledgeritem.id", index=True)
    weight: int = Field(default=1, ge=0, le=WEIGHT_MAX)
    position: int = Field(default=0)

    title: LocalizedText = localized_field()
    description: LocalizedText = localized_field()
    public_summary: LocalizedText = localized_field()
    category_id: int | None = Field(default=None, foreign_key="ledgercategory.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    lead_official: str = Field(default="", max_length=LEAD_MAX)
    # [{"zh_CN": "...", "en": "..."}, ...] in display order.
    measures: list[dict[str, str]] = Field(default_factory=list,
                                           sa_column=Column(JSON, nullable=False))

    starts_on: date | None = None
    deadline: date | None = Field(default=None, index=True)
    status: LedgerStatus = enum_field(LedgerStatus, LedgerStatus.planned, index=True)
    progress: int = Field(default=0, ge=0, le=100)
    public: bool = Field(default=False, index=True)

    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    version: int = Field(default=1)


class EntryKind(enum.StrEnum):
    note = "note"  # a progress note written by staff
    relapse = "relapse"  # written by a look-back that found the problem back
    verification = "verification"  # written when a verification fails


class LedgerEntry(SQLModel, table=True):
    """A dated progress note on an item's timeline; only `public` ones are shown."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="ledgeritem.id", index=True)
    happened_on: date = Field(index=True)
    kind: EntryKind = enum_field(EntryKind, EntryKind.note)
    body: LocalizedText = localized_field()
    progress: int | None = Field(default=None, ge=0, le=100)  # the item's progress then
    public: bool = Field(default=False)
    author_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()


class LedgerEvidence(SQLModel, table=True):
    """A staff evidence file of a timeline entry (never public; metadata stripped)."""

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledgerentry.id", index=True)
    stored_name: str = Field(max_length=80, unique=True)
    display_name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    metadata_status: str = Field(max_length=16)
    uploaded_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()


class MechanismArea(enum.StrEnum):
    oversight = "oversight"  # 执法司法监督制约
    capability = "capability"  # 素质能力提升
    discipline = "discipline"  # 正风肃纪
    other = "other"


class LedgerMechanism(SQLModel, table=True):
    """A rule or institution established by a rectification (建章立制)."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="ledgeritem.id", index=True)
    title: LocalizedText = localized_field()
    area: MechanismArea = enum_field(MechanismArea, MechanismArea.other, index=True)
    established_on: date | None = None
    created_at: datetime = utc_field()


class VerificationResult(enum.StrEnum):
    passed = "passed"
    failed = "failed"


class LedgerVerification(SQLModel, table=True):
    """A check of a rectified item: who checked (a body, shown publicly), when, result."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="ledgeritem.id", index=True)
    verifier: str = Field(max_length=VERIFIER_MAX)  # e.g. 市教育整顿办督导组
    verified_on: date
    result: VerificationResult = enum_field(VerificationResult, VerificationResult.passed)
    note: LocalizedText = localized_field()
    recorded_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()


class LookBackResult(enum.StrEnum):
    held = "held"
    relapsed = "relapsed"


class LedgerLookBack(SQLModel, table=True):
    """A look-back review (回头看): scheduled, then done with a result."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="ledgeritem.id", index=True)
    scheduled_on: date = Field(index=True)
    done_on: date | None = None
    result: LookBackResult | None = enum_field(LookBackResult, None, nullable=True)
    note: LocalizedText = localized_field()
    recorded_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()


class LedgerCaseLink(SQLModel, table=True):
    """A submission that fed an item (many cases to one item)."""

    __table_args__ = (UniqueConstraint("item_id", "submission_id",
                                       name="uq_ledgercaselink_item_submission"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="ledgeritem.id", index=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    linked_by_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = utc_field()
