"""Web tables of staff accounts: server-side sessions and role policy. The account row
itself (`StaffUser`) belongs to the domain: see `moderation.staff`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from moderation.roles import Role
from moderation.sqltypes import enum_field, utc_field
from moderation.staff import StaffUser

__all__ = ["RolePolicy", "StaffUser", "WebSession"]


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
