"""an index for similar-case hints: newest submissions of one unit

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # moderation.queue.similar reads the newest submissions of a unit without their texts.
    op.create_index("ix_submission_unit_received", "submission",
                    ["unit_concerned_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_submission_unit_received", table_name="submission")
