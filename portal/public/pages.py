"""The campaign's own pages: home, pledges and how to report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import NoMatchFound

from moderation.replies.queries import latest_replies, published_count
from moderation.sqltypes import pick
from portal.content.markdown import render_markdown
from portal.content.models import CampaignStage
from portal.content.pledge_updates import pledge_updates
from portal.content.queries import (
    campaign_view,
    latest_announcements,
    public_announcement_titles,
    public_pledges,
)
from portal.i18n import DISPLAY_TZ
from portal.locale_context import lazy_gettext
from portal.public.replies import reply_context
from portal.templating import render
from portal.web import db_session, now

HOME_ANNOUNCEMENTS = 5
HOME_REPLIES = 3


@dataclass(frozen=True)
class Deadline:
    """A time limit a citizen can expect once they have reported."""

    days: int
    event: str  # English msgid, translated in the template


# The handling time limits of the political-legal reporting rules the campaign follows.
REPORT_DEADLINES = (
    Deadline(15, lazy_gettext(
        "A decision on whether your report is accepted, counted from its receipt.")),
    Deadline(60, lazy_gettext(
        "Handling of an accepted report, counted from its acceptance.")),
    Deadline(30, lazy_gettext(
        "One extension of the handling time, at most, if the case needs it.")),
    Deadline(30, lazy_gettext(
        "To ask for a review, counted from the day you are told the conclusion.")),
)


def stage_phase(stage: CampaignStage, today: date) -> str:
    """'done', 'current' or 'upcoming' for a stage, or '' when it has no dates."""
    if stage.starts_on is None:
        return ""
    if today < stage.starts_on:
        return "upcoming"
    if stage.ends_on is not None and today > stage.ends_on:
        return "done"
    return "current"


def home(request: Request) -> Response:
    """The campaign's front page."""
    moment = now(request)
    with db_session(request) as db:
        view = campaign_view(db)
        latest = latest_announcements(db, moment, HOME_ANNOUNCEMENTS)
        replies = latest_replies(db, HOME_REPLIES)
        replies_context = {**reply_context(db, replies), "replies": replies,
                           "reply_count": published_count(db)}
    today = moment.astimezone(DISPLAY_TZ).date()
    phases = {stage.id: stage_phase(stage, today) for stage in view.stages} if view else {}
    return render(request, "public/home.html",
                  {"view": view, "campaign": view.campaign if view else None,
                   "announcements": latest, "phases": phases, **replies_context})


def pledges(request: Request) -> Response:
    """The campaign's public pledges (为民承诺) and how far each has come."""
    with db_session(request) as db:
        view = campaign_view(db)
        items = public_pledges(db, view.campaign) if view else []
        updates = pledge_updates(db, [i.pledge.id for i in items if i.pledge.id is not None])
        linked = {u.announcement_id for rows in updates.values() for u in rows
                  if u.announcement_id is not None}
        public = public_announcement_titles(db, linked, now(request))
    return render(request, "public/pledges.html",
                  {"campaign": view.campaign if view else None, "pledges": items,
                   "updates": updates, "announcement_titles": public})


def _submit_url(request: Request) -> str | None:
    """The online form's address once that page exists."""
    try:
        return str(request.app.url_path_for("submit"))
    except NoMatchFound:
        return None


def how_to_report(request: Request) -> Response:
    """Channels, what happens next, confidentiality and time limits."""
    locale = request.state.locale
    fallback = request.app.state.settings.default_locale
    with db_session(request) as db:
        view = campaign_view(db)
    campaign = view.campaign if view else None
    texts = {
        "how_to_report": render_markdown(pick(campaign.how_to_report, locale, fallback))
        if campaign else "",
        "confidentiality": render_markdown(pick(campaign.confidentiality, locale, fallback))
        if campaign else "",
    }
    return render(request, "public/how_to_report.html",
                  {"campaign": campaign, "texts": texts, "deadlines": REPORT_DEADLINES,
                   "submit_url": _submit_url(request)})
