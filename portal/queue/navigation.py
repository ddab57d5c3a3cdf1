"""Moving through the queue from a case: back to the same list, on to its next item.

Links from the queue carry the list's filters in one `queue` parameter; the case page
passes it on (links, forms, redirects) so "next item in this list" keeps the filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlmodel import Session
from starlette.requests import Request

from moderation.errors import NotPermitted, ValidationFailed
from moderation.intake.models import Submission
from moderation.queue.filters import QueueQuery
from moderation.queue.listing import next_item
from moderation.roles import Actor
from portal.track.common import intake_keys

QUEUE_KEYS = ("tab", "kind", "state", "channel", "unit", "category", "priority", "from",
              "to", "q", "sort", "order")
QUEUE_PARAM_MAX = 1000


def queue_params_of(raw: str) -> dict[str, str]:
    """The queue filters carried in a `queue` parameter (unknown keys dropped)."""
    pairs = parse_qsl(raw[:QUEUE_PARAM_MAX], keep_blank_values=False)
    return {k: v[:200] for k, v in pairs if k in QUEUE_KEYS}


def carried(request: Request, form: Any = None) -> str:
    """The `queue` value of this request (query string, or the posted form)."""
    value = request.query_params.get("queue")
    if value is None and form is not None:
        value = form.get("queue")
    return urlencode(queue_params_of(value)) if isinstance(value, str) else ""


def case_url(reference: str, queue: str, **extra: str) -> str:
    """The case page's URL, keeping the queue's filters."""
    query = urlencode({**extra, **({"queue": queue} if queue else {})})
    return f"/staff/cases/{reference}" + (f"?{query}" if query else "")


def queue_navigation(db: Session, request: Request, actor: Actor, submission: Submission,
                     now: datetime, tz: str, form: Any = None) -> dict[str, Any]:
    """back_url, next_case_url and the carried filters for the case page."""
    queue = carried(request, form)
    following = None
    if submission.id is not None:
        try:
            query = QueueQuery.from_params(queue_params_of(queue))
            following = next_item(db, actor, query, submission.id, now,
                                  keys=intake_keys(request), tz=tz)
        except (ValidationFailed, NotPermitted):
            following = None
    return {
        "queue_params": queue,
        "back_url": "/staff/queue" + (f"?{queue}" if queue else ""),
        "next_case_url": case_url(following.reference, queue) if following else None,
    }
