"""Public pages of the campaign."""

from __future__ import annotations

from sqlmodel import select
from starlette.requests import Request
from starlette.responses import Response

from portal.content.models import Campaign
from portal.routing import route
from portal.templating import render
from portal.web import db_session


def home(request: Request) -> Response:
    """The campaign's front page."""
    with db_session(request) as db:
        campaign = db.exec(select(Campaign)).first()
    return render(request, "public/home.html", {"campaign": campaign})


routes = [
    route("/", home, name="home"),
]
