"""Read the few staff columns the workflow needs, without importing the web's model."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import column, table
from sqlmodel import Session, select

from moderation.roles import Role

_staff = table("staffuser", column("id"), column("role"), column("unit_id"),
               column("is_active"), column("can_view_identity"))


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
    row = session.exec(select(  # type: ignore[call-overload]
        _staff.c.id, _staff.c.role, _staff.c.unit_id, _staff.c.is_active,
        _staff.c.can_view_identity).where(_staff.c.id == staff_id)).first()
    if row is None:
        return None
    return StaffInfo(row[0], Role(row[1]), row[2], bool(row[3]), bool(row[4]))
