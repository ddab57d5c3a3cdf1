"""The public privacy page: what is kept, for how long, and the citizen's rights."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.retention import policy_of
from portal.admin.retention import FIELDS
from portal.templating import render
from portal.web import db_session


def privacy(request: Request) -> Response:
    """The retention periods as the admins set them, and what they mean."""
    with db_session(request) as db:
        policy = policy_of(db)
    periods = [(label, getattr(policy, name)) for name, label, _hint in FIELDS]
    return render(request, "public/privacy.html", {"periods": periods})
