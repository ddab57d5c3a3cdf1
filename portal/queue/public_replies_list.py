"""The moderators' list of public replies (回复公开): drafts awaiting approval first, then
published and taken-down ones; each row opens the case page's public-reply section."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.replies.models import ReplyState
from moderation.replies.queries import count_in_state, replies_in_state
from portal.templating import render
from portal.web import db_session

TABS = (ReplyState.draft, ReplyState.published, ReplyState.unpublished)


def public_replies_page(request: Request) -> Response:
    """GET /staff/public-replies?state=draft|published|unpublished."""
    raw = request.query_params.get("state") or ReplyState.draft.value
    state = next((s for s in TABS if s.value == raw), None)
    if state is None:
        raise HTTPException(status_code=400)
    with db_session(request) as db:
        rows = replies_in_state(db, state)
        counts = {s.value: count_in_state(db, s) for s in TABS}
    return render(request, "queue/public_replies.html",
                  {"rows": rows, "state": state.value, "counts": counts, "tabs": TABS},
                  headers={"Cache-Control": "no-store"})
