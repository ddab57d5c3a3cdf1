"""The staff home page: what the signed-in role can do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.permissions import staff_user
from portal.templating import render


def dashboard(request: Request) -> Response:
    """One page per role, with links to that role's work."""
    return render(request, "staff/dashboard.html", {"role": staff_user(request).role})
