"""indexes for the queue at a million submissions

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A filtered queue page picks its rows from this index alone (moderation.queue.listing).
    op.create_index("ix_submission_queue_cover", "submission",
                    ["state", "received_at", "unit_concerned_id", "responsible_unit_id",
                     "handling_due_on", "decision_due_on"])
    # The "mine" count reads only claimed rows.
    op.create_index("ix_submission_claimed_state", "submission", ["claimed_by_id", "state"],
                    sqlite_where=sa.text("claimed_by_id IS NOT NULL"),
                    postgresql_where=sa.text("claimed_by_id IS NOT NULL"))
    # The new tab's halves (possible spam or not) are counted from the index.
    op.create_index("ix_submission_state_spam", "submission", ["state", "spam_signals"])


def downgrade() -> None:
    op.drop_index("ix_submission_state_spam", table_name="submission")
    op.drop_index("ix_submission_claimed_state", table_name="submission")
    op.drop_index("ix_submission_queue_cover", table_name="submission")
