"""Tables for staff accounts, server-side sessions, sign-in throttling and role policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from moderation.roles import Role
from moderation.sqltypes import enum_field, utc_field


class StaffUser(SQLModel, table=True):
    """A member of staff. Handlers belong to one unit."""

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


class WebSession(SQLModel, table=True):
    """A server-side session; the cookie carries a random token, this row only its hash."""

    id_hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, index=True)  # "staff" or "citizen"
    user_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_field()
    last_seen_at: datetime = utc_field()
    expires_at: datetime = utc_field(index=True)


class RolePolicy(SQLModel, table=True):
    """Per-role security policy set by an admin."""

    role: Role = enum_field(Role, primary_key=True)
    require_totp: bool = Field(default=False)
