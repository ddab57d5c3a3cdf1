"""receipt handover: a receipt is shown once, to the browser that sent the form

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipthandover",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("receipthandover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipthandover_expires_at"), ["expires_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipthandover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipthandover_expires_at"))
    op.drop_table("receipthandover")
