"""retention policy: how long each kind of case is kept (one row, set by admins)

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retentionpolicy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spam_days", sa.Integer(), nullable=False),
        sa.Column("rejected_days", sa.Integer(), nullable=False),
        sa.Column("concluded_days", sa.Integer(), nullable=False),
        sa.Column("contact_grace_days", sa.Integer(), nullable=False),
        sa.Column("last_run_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("retentionpolicy")
