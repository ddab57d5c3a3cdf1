"""repair staffuser.totp_secret: room for a sealed secret, and no secret left in plaintext

Migration 0001 was edited in place after its release ("Encrypt TOTP secrets at rest"
widened totp_secret from 64 to 128 characters). A database created before that cannot
store a sealed secret on PostgreSQL, and any secret enrolled before it is still in
plaintext, which the portal no longer reads (those staff could not sign in with TOTP).
This widens the column where it is still narrow and seals every plaintext secret.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED_PREFIX = "v1."
NARROW = "totp_secret VARCHAR(64)"
WIDE = "totp_secret VARCHAR(128)"
NEEDS_KEY = (
    "migration 0006 must seal {count} TOTP secret(s) stored in plaintext and needs the "
    "portal's keys: run `portal init` with the portal's SECRET_KEY (and ENCRYPTION_KEY, "
    "if set)."
)


def _widen_sqlite(bind: sa.engine.Connection) -> None:
    """SQLite ignores the length, but the declared type should match the models. Both
    types have TEXT affinity, so the stored rows do not change: the documented way to
    change the declaration alone is to edit the schema text (a table rebuild would trip
    the foreign keys that point at staffuser inside this transaction)."""
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'staffuser'").scalar()
    if not sql or NARROW not in sql:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = 'staffuser'", (NARROW, WIDE))
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _plaintext(bind: sa.engine.Connection) -> tuple[sa.TableClause, list[sa.Row]]:
    staff = sa.table("staffuser", sa.column("id", sa.Integer),
                     sa.column("totp_secret", sa.String))
    plain = bind.execute(sa.select(staff.c.id, staff.c.totp_secret).where(
        staff.c.totp_secret.is_not(None),
        sa.not_(staff.c.totp_secret.startswith(SEALED_PREFIX, autoescape=True)))).all()
    return staff, list(plain)


def upgrade() -> None:
    bind = op.get_bind()
    # First, before changing anything: without the keys, stop with a clear message.
    staff, plain = _plaintext(bind)
    key = context.config.attributes.get("totp_sealing_key")
    if plain and key is None:
        raise RuntimeError(NEEDS_KEY.format(count=len(plain)))
    if bind.dialect.name == "sqlite":
        _widen_sqlite(bind)
    else:
        op.alter_column("staffuser", "totp_secret", type_=sa.String(length=128),
                        existing_type=sa.String(length=64), existing_nullable=True)
    if plain:
        from portal.accounts.totp import seal

        for user_id, secret in plain:
            bind.execute(staff.update().where(staff.c.id == user_id)
                         .values(totp_secret=seal(key, secret)))


def downgrade() -> None:
    # Nothing to undo: 0001 as it stands creates the wide column, and the portal reads
    # only sealed secrets.
    pass
