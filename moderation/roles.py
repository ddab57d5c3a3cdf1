"""Staff roles and the actor who performs an action."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    admin = "admin"
    moderator = "moderator"
    handler = "handler"
    press = "press"
    leader = "leader"


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (with role and unit), or the system / a citizen."""

    id: int | None
    label: str
    role: Role | None = None
    unit_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(id=None, label=label)
