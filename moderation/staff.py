"""Staff accounts, as the domain sees and checks them: one table, declared here once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from moderation.roles import Role
from moderation.sqltypes import enum_field, utc_field


class StaffUser(SQLModel, table=True):
    """A member of staff. Handlers belong to one unit.

    The domain joins and checks the core (role, unit, active, identity grant), so the
    table is declared here, once; the web reads and writes the sign-in columns
    (password hash, TOTP, last sign-in) through the same model."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(max_length=255)
    role: Role = enum_field(Role)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    is_active: bool = Field(default=True)
    can_view_identity: bool = Field(default=False)
    totp_secret: str | None = Field(default=None, max_length=128)  # sealed, see totp.seal
    totp_last_step: int | None = Field(default=None)
    created_at: datetime = utc_field()
    last_login_at: datetime | None = utc_field(nullable=True)


@dataclass(frozen=True)
class StaffInfo:
    id: int
    role: Role
    unit_id: int | None
    is_active: bool
    can_view_identity: bool


def staff_info(session: Session, staff_id: int | None) -> StaffInfo | None:
    """The staff member's role, unit and grants, or None if there is no such account."""
    if staff_id is None:
        return None
    # Columns, not the entity: always what the database holds now, never a cached row.
    row = session.exec(select(  # type: ignore[call-overload]
        StaffUser.id, StaffUser.role, StaffUser.unit_id, StaffUser.is_active,
        StaffUser.can_view_identity).where(StaffUser.id == staff_id)).first()
    if row is None:
        return None
    return StaffInfo(row[0], Role(row[1]), row[2], bool(row[3]), bool(row[4]))
