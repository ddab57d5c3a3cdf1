"""Campaign settings of the workflow."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel, col, select

DEFAULT_CLAIM_MINUTES = 15


class WorkflowPolicy(SQLModel, table=True):
    """Per-campaign workflow settings; no row means the defaults."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", unique=True)
    # Whether a unit may verify leads about itself when the mode is direct (直接办理).
    allow_self_verification: bool = Field(default=False)
    claim_minutes: int = Field(default=DEFAULT_CLAIM_MINUTES, ge=1, le=240)


def policy_for(session: Session, campaign_id: int | None = None) -> WorkflowPolicy:
    """The campaign's policy row, else the first row, else the defaults (not stored)."""
    query = select(WorkflowPolicy)
    if campaign_id is not None:
        query = query.where(WorkflowPolicy.campaign_id == campaign_id)
    row = session.exec(query.order_by(col(WorkflowPolicy.id))).first()
    return row or WorkflowPolicy()
