"""The staff header counters (new, mine, overdue) and the template helpers of the queue.

Counted only on staff pages for moderators and handlers: `request.state.user` is set by
the role guard of `route()`, so public pages never reach the database through this helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from starlette.requests import Request

from moderation.queue.counts import header_counts
from moderation.queue.filters import Tab
from moderation.roles import Role
from portal.accounts.permissions import actor_of
from portal.queue.labels import qlabel

COUNTER_ROLES = (Role.moderator, Role.handler)


@dataclass(frozen=True)
class Counter:
    tab: Tab
    count: int
    url: str


def queue_counters(request: Request) -> list[Counter]:
    """The header counters for the signed-in moderator or handler; [] for anyone else."""
    user = getattr(request.state, "user", None)
    if user is None or user.role not in COUNTER_ROLES:
        return []
    app = request.app
    with Session(app.state.engine) as db:
        counts = header_counts(db, actor_of(user), app.state.clock(),
                               app.state.settings.timezone)
    return [Counter(tab, counts[tab], f"/staff/queue?tab={tab.value}") for tab in counts]


def template_globals() -> dict[str, Any]:
    """Globals the staff layout and the queue templates use."""
    return {"queue_counters": queue_counters, "qlabel": qlabel}
