"""rate counters in an unlogged table on PostgreSQL

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Counters are counts, not records: an unlogged table writes no WAL, so a transaction
    # that only counts commits without waiting for the disk, and needs no SET LOCAL
    # (moderation.ratelimit). A crash empties it, which forgets the current windows.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratecounter SET UNLOGGED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ratecounter SET LOGGED")
