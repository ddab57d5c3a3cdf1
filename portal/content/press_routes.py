"""Press staff routes: writing announcements (this file) and editing the campaign."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import InvalidTransition, StaleVersion, ValidationFailed
from portal.accounts.permissions import actor_of, staff_user
from portal.content import announcements as domain
from portal.content.campaign_routes import routes as campaign_routes
from portal.content.fields import ParsedForm, clean_text, form_values, parse_form
from portal.content.forms import ANNOUNCEMENT_FIELDS
from portal.content.images import ImageRejected, cover_path, store_cover
from portal.content.markdown import render_markdown
from portal.content.models import Announcement, AnnouncementStatus
from portal.locale_context import gettext as _
from portal.roles import PRESS
from portal.routing import route
from portal.templating import render
from portal.web import clock, db_session, now, redirect

MAX_FORM_BODY = 12 * 1024 * 1024  # the cover plus texts; the cover's own cap is a setting
FORM_ACTIONS = ("save", "preview", "publish", "schedule")


def _done_message(key: str | None) -> str | None:
    # Listed literally so the catalog extractor sees every message.
    messages = {
        "save": _("Saved."),
        "publish": _("Published."),
        "schedule": _("Scheduled."),
        "unpublish": _("Taken off the site; it is a draft again."),
        "archive": _("Archived."),
        "pin": _("Pinned."),
        "unpin": _("Unpinned."),
    }
    return messages.get(key or "")


def announcement_list(request: Request) -> Response:
    """All announcements, newest change first, optionally of one status."""
    wanted = request.query_params.get("status", "")
    status = AnnouncementStatus(wanted) if wanted in AnnouncementStatus._value2member_map_ \
        else None
    query = select(Announcement).order_by(col(Announcement.updated_at).desc(),
                                          col(Announcement.id).desc())
    if status is not None:
        query = query.where(Announcement.status == status)
    with db_session(request) as db:
        items = list(db.exec(query.limit(500)))
    moment = now(request)
    rows = [(item, domain.effective_status(item, moment)) for item in items]
    return render(request, "press/announcements.html", {
        "rows": rows, "status": status, "statuses": list(AnnouncementStatus),
    })


def _form_page(request: Request, *, announcement: Announcement | None, values: dict[str, str],
               errors: dict[str, str], status_code: int = 200,
               preview: dict[str, Any] | None = None, notice: str | None = None) -> Response:
    moment = now(request)
    return render(request, "press/announcement_form.html", {
        "announcement": announcement,
        "effective": domain.effective_status(announcement, moment) if announcement else None,
        "fields": ANNOUNCEMENT_FIELDS,
        "values": values,
        "errors": errors,
        "preview": preview,
        "notice": notice,
        "done": _done_message(request.query_params.get("done")),
        "max_cover_mb": f"{request.app.state.settings.max_cover_image_bytes / 1048576:g}",
    }, status_code=status_code)


def _load(request: Request) -> Announcement:
    with db_session(request) as db:
        row = db.get(Announcement, request.path_params["id"])
    if row is None:
        raise HTTPException(status_code=404)
    return row


def announcement_new(request: Request) -> Response:
    """An empty announcement form."""
    values = form_values(ANNOUNCEMENT_FIELDS, None, request.app.state.settings.locales)
    values.update(cover_existing="", version="")
    return _form_page(request, announcement=None, values=values, errors={})


def announcement_edit(request: Request) -> Response:
    """The form of one announcement, with its actions."""
    row = _load(request)
    values = form_values(ANNOUNCEMENT_FIELDS, row, request.app.state.settings.locales)
    values.update(cover_existing=row.cover_image or "", version=str(row.version))
    return _form_page(request, announcement=row, values=values, errors={})


async def announcement_post(request: Request) -> Response:
    """Save (and maybe publish or schedule) an announcement, or preview it unsaved."""
    form = await request.form()
    try:
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        upload = form.get("cover")
        cover_bytes: bytes | None = None
        if isinstance(upload, UploadFile) and upload.filename:
            # Read one byte past the cap: enough to know it is too large.
            cover_bytes = await upload.read(request.app.state.settings.max_cover_image_bytes + 1)
    finally:
        # The spooled upload is ours to close: nothing else holds this parsed form.
        await form.close()
    return await run_in_threadpool(_announcement_post, request, fields, cover_bytes)


def _cover(request: Request, fields: dict[str, str], cover_bytes: bytes | None,
           parsed: ParsedForm) -> tuple[str | None, int]:
    """The cover to keep (new upload, else the one already there) and the error status."""
    settings = request.app.state.settings
    existing = clean_text(fields.get("cover_existing"))
    name = existing if existing and cover_path(settings, existing) else None
    if fields.get("remove_cover"):
        name = None
    status = 422
    if cover_bytes:
        try:
            name = store_cover(settings.upload_dir, cover_bytes, settings.max_cover_image_bytes)
        except ImageRejected as rejected:
            parsed.errors["cover"] = _(rejected.message, **rejected.variables)
            status = rejected.status
    parsed.raw["cover_existing"] = name or ""
    alt_key = f"cover_alt_{settings.default_locale}"
    if name and not parsed.raw.get(alt_key):
        parsed.errors.setdefault(alt_key, _("Describe the cover image for people who cannot "
                                            "see it."))
    return name, status


def _announcement_post(request: Request, fields: dict[str, str],
                       cover_bytes: bytes | None) -> Response:
    settings = request.app.state.settings
    announcement_id: int | None = request.path_params.get("id")
    existing = _load(request) if announcement_id is not None else None
    action = fields.get("action", "save")
    if action not in FORM_ACTIONS:
        action = "save"
    parsed = parse_form(ANNOUNCEMENT_FIELDS, fields, settings.locales, settings.default_locale)
    cover_name, error_status = _cover(request, fields, cover_bytes, parsed)
    version_text = clean_text(fields.get("version"))
    parsed.raw["version"] = version_text
    if existing is not None and not (version_text.isascii() and version_text.isdigit()):
        raise HTTPException(status_code=400)

    def again(status_code: int, **extra: Any) -> Response:
        return _form_page(request, announcement=existing, values=parsed.raw,
                          errors=parsed.errors, status_code=status_code, **extra)

    if parsed.errors:
        return again(error_status)
    draft = domain.AnnouncementDraft(**parsed.values, cover_image=cover_name)
    if action == "preview":
        preview = {code: render_markdown(draft.body_markdown.get(code)) for code in
                   settings.locales}
        return again(200, preview={"draft": draft, "body": preview})
    actor = actor_of(staff_user(request))
    tick = clock(request)
    with db_session(request) as db:
        try:
            if existing is None:
                row = domain.create(db, actor, draft, clock=tick)
            else:
                row = domain.update(db, actor, existing.id, int(version_text), draft,  # type: ignore[arg-type]
                                    clock=tick)
            if action == "publish":
                row = domain.publish_now(db, actor, row.id, row.version, clock=tick)  # type: ignore[arg-type]
            elif action == "schedule":
                row = domain.schedule(db, actor, row.id, row.version, draft.publish_at,  # type: ignore[arg-type]
                                      clock=tick)
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            parsed.errors.update({key: _(message) for key, message in failed.errors.items()})
            return again(422)
        except StaleVersion:
            db.rollback()
            return again(409, notice=_("Someone else changed this announcement in the "
                                       "meantime. Your text is kept below; reload the page "
                                       "to see their version."))
        except InvalidTransition:
            db.rollback()
            return again(409, notice=_("That action is not possible in the announcement's "
                                       "current state."))
    return redirect(f"/staff/announcements/{row.id}?done={action}")


ACTIONS = ("publish", "unpublish", "archive", "pin", "unpin")


async def announcement_action(request: Request) -> Response:
    """One button: publish, unpublish, archive, pin or unpin."""
    form = await request.form()
    return await run_in_threadpool(_announcement_action, request, form.get("version"))


def _announcement_action(request: Request, version_text: object) -> Response:
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(status_code=404)
    if not isinstance(version_text, str) or not (version_text.isascii() and version_text.isdigit()):
        raise HTTPException(status_code=400)
    announcement_id, version = request.path_params["id"], int(version_text)
    actor = actor_of(staff_user(request))
    tick = clock(request)
    with db_session(request) as db:
        if action == "publish":
            domain.publish_now(db, actor, announcement_id, version, clock=tick)
        elif action == "unpublish":
            domain.unpublish(db, actor, announcement_id, version, clock=tick)
        elif action == "archive":
            domain.archive(db, actor, announcement_id, version, clock=tick)
        else:
            domain.set_pinned(db, actor, announcement_id, version, action == "pin", clock=tick)
        db.commit()
    return redirect(f"/staff/announcements/{announcement_id}?done={action}")


routes = [
    route("/staff/announcements", announcement_list, roles=PRESS, name="press_announcements"),
    route("/staff/announcements/new", announcement_new, roles=PRESS, name="press_announcement_new"),
    route("/staff/announcements/new", announcement_post, roles=PRESS, methods=["POST"],
          name="press_announcement_create", max_body=MAX_FORM_BODY, max_files=1,
          max_part_size=1024 * 1024),
    route("/staff/announcements/{id:int}", announcement_edit, roles=PRESS,
          name="press_announcement"),
    route("/staff/announcements/{id:int}", announcement_post, roles=PRESS, methods=["POST"],
          name="press_announcement_update", max_body=MAX_FORM_BODY, max_files=1,
          max_part_size=1024 * 1024),
    route("/staff/announcements/{id:int}/{action:str}", announcement_action, roles=PRESS,
          methods=["POST"],
          name="press_announcement_action"),
    *campaign_routes,
]
