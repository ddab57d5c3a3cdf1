"""/staff/components: the staff area's components, shown live for developers.

Every staff page builds on these classes from static/css/staff.css; this page shows each
one with its class names, so a new page can reuse them instead of inventing its own.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from moderation.intake.models import SubmissionState
from portal.queue.labels import qlabel
from portal.roles import STAFF
from portal.routing import route
from portal.templating import render


def components_page(request: Request) -> Response:
    """GET /staff/components: buttons, badges, card tables, form rows, action panel."""
    return render(request, "staff/components.html", {
        "states": [s.value for s in SubmissionState],
        "qlabel_state": lambda value: qlabel(SubmissionState(value)),
    })


routes = [route("/staff/components", components_page, roles=STAFF, name="components")]
