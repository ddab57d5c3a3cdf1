"""one rate limiter: ratecounter counts every limit (with its scope); loginthrottle goes

Staff sign-in used a throttle of its own (table loginthrottle); it now counts on the
same limiter as the citizen routes, whose counters say which limit (scope) they count so
that an admin can see and lift sign-in blocks. Counters are transient (minutes to an
hour): both tables are recreated empty rather than converted, which restarts every
running limit once, at the upgrade.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_ratecounter(*, with_scope: bool) -> None:
    columns = [sa.Column("key", sa.String(length=64), nullable=False)]
    if with_scope:
        columns.append(sa.Column("scope", sa.String(length=32), nullable=False))
    columns += [sa.Column("count", sa.Integer(), nullable=False),
                sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
                sa.PrimaryKeyConstraint("key")]
    op.create_table("ratecounter", *columns)
    with op.batch_alter_table("ratecounter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratecounter_expires_at"), ["expires_at"],
                              unique=False)
        if with_scope:
            batch_op.create_index(batch_op.f("ix_ratecounter_scope"), ["scope"], unique=False)


def _drop_ratecounter(*, with_scope: bool) -> None:
    with op.batch_alter_table("ratecounter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratecounter_expires_at"))
        if with_scope:
            batch_op.drop_index(batch_op.f("ix_ratecounter_scope"))
    op.drop_table("ratecounter")


def upgrade() -> None:
    with op.batch_alter_table("loginthrottle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loginthrottle_blocked_until"))
    op.drop_table("loginthrottle")
    _drop_ratecounter(with_scope=False)
    _create_ratecounter(with_scope=True)


def downgrade() -> None:
    _drop_ratecounter(with_scope=True)
    _create_ratecounter(with_scope=False)
    op.create_table(
        "loginthrottle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("loginthrottle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginthrottle_blocked_until"), ["blocked_until"],
                              unique=False)
