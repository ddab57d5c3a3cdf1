"""Press staff record a pledge's progress (为民承诺): dated entries with a text, a
percentage and an optional announcement; the public pledge page shows them as a
timeline, and the percentage shown is the latest entry's."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import ValidationFailed
from moderation.ledger import messages as m
from portal.accounts.permissions import actor_of, staff_user
from portal.content.fields import clean_text
from portal.content.models import Announcement, AnnouncementStatus, Pledge, PledgeStatus
from portal.content.pledge_updates import NOTE_MAX, add_pledge_update, pledge_updates
from portal.i18n import DISPLAY_TZ
from portal.locale_context import gettext as _
from portal.roles import PRESS
from portal.routing import route
from portal.templating import render
from portal.web import clock, db_session, now, redirect

ANNOUNCEMENT_CHOICES = 100


def status_for(progress: int) -> PledgeStatus:
    """The pledge's status at a percentage: fulfilled at 100, in progress before."""
    return PledgeStatus.fulfilled if progress >= 100 else PledgeStatus.in_progress


def _announcements(db: Session) -> list[Announcement]:
    """Recent published announcements an entry may point to."""
    return list(db.exec(select(Announcement)
                        .where(col(Announcement.status) == AnnouncementStatus.published)
                        .order_by(col(Announcement.publish_at).desc())
                        .limit(ANNOUNCEMENT_CHOICES)))


def _load(db: Session, request: Request) -> Pledge:
    pledge = db.get(Pledge, request.path_params["id"])
    if pledge is None:
        raise HTTPException(status_code=404)
    return pledge


def _page(request: Request, values: dict[str, str], errors: dict[str, str],
          status_code: int = 200) -> Response:
    with db_session(request) as db:
        pledge = _load(db, request)
        updates = pledge_updates(db, [pledge.id])[pledge.id]  # type: ignore[index,list-item]
        announcements = _announcements(db)
    done = _("Progress entry added.") if request.query_params.get("done") == "saved" else None
    return render(request, "press/pledge_progress.html", {
        "pledge": pledge, "updates": list(reversed(updates)), "values": values,
        "errors": errors, "announcements": announcements, "done": done,
        "titles": {a.id: a.title for a in announcements},
    }, status_code=status_code)


def progress_page(request: Request) -> Response:
    """The pledge's progress entries, newest first, and the form to add one."""
    today = now(request).astimezone(DISPLAY_TZ).date()
    return _page(request, {"happened_on": today.isoformat(), "progress": "",
                           "announcement_id": ""}, {})


async def progress_post(request: Request) -> Response:
    form = await request.form()
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    return await run_in_threadpool(_progress_post, request, fields)


def _parse(fields: dict[str, str], locales: tuple[str, ...]
           ) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    raw = {name: clean_text(fields.get(name))[:NOTE_MAX * 2]
           for name in ("happened_on", "progress", "announcement_id",
                        *(f"note_{code}" for code in locales))}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"note": {code: raw[f"note_{code}"] for code in locales}}
    try:
        values["happened_on"] = date.fromisoformat(raw["happened_on"])
    except ValueError:
        errors["happened_on"] = _(m.BAD_DATE)
    progress = raw["progress"]
    if progress.isascii() and progress.isdigit() and int(progress) <= 100:
        values["progress"] = int(progress)
    else:
        errors["progress"] = _(m.BAD_PROGRESS)
    chosen = raw["announcement_id"]
    if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) < 10):
        errors["announcement_id"] = _("Choose an announcement from the list.")
    values["announcement_id"] = int(chosen) if chosen and not errors.get(
        "announcement_id") else None
    return values, raw, errors


def _progress_post(request: Request, fields: dict[str, str]) -> Response:
    settings = request.app.state.settings
    values, raw, errors = _parse(fields, settings.locales)
    default_note = f"note_{settings.default_locale}"
    if not raw[default_note]:
        errors[default_note] = _(m.REQUIRED)
    if errors:
        return _page(request, raw, errors, 422)
    with db_session(request) as db:
        pledge = _load(db, request)
        try:
            add_pledge_update(db, actor_of(staff_user(request)), pledge.id,  # type: ignore[arg-type]
                              happened_on=values["happened_on"],
                              status=status_for(values["progress"]),
                              progress=values["progress"], note=values["note"],
                              announcement_id=values["announcement_id"], clock=clock(request))
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            names = {"note": default_note}
            errors = {names.get(k, k): _(v) for k, v in failed.errors.items()}
            return _page(request, raw, errors, 422)
    return redirect(f"/staff/campaign/pledges/{request.path_params['id']}/progress?done=saved")


routes = [
    route("/staff/campaign/pledges/{id:int}/progress", progress_page, roles=PRESS,
          name="press_pledge_progress"),
    route("/staff/campaign/pledges/{id:int}/progress", progress_post, roles=PRESS,
          methods=["POST"], name="press_pledge_progress_add"),
]
