"""indexes for a queue page filtered by unit, one per side of the unit match

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["state", "received_at", "handling_due_on", "decision_due_on", "id"]


def upgrade() -> None:
    # A page filtered by unit reads the unit concerned and the responsible unit each from
    # an index of its own, without visiting a row (moderation.queue.listing).
    op.create_index("ix_submission_unit_cover", "submission",
                    ["unit_concerned_id", *COVERED])
    op.create_index("ix_submission_responsible_cover", "submission",
                    ["responsible_unit_id", *COVERED])


def downgrade() -> None:
    op.drop_index("ix_submission_responsible_cover", table_name="submission")
    op.drop_index("ix_submission_unit_cover", table_name="submission")
