"""Press staff routes for the campaign's public content: texts, tasks, stages, figures,
pledges."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from moderation.errors import StaleVersion, ValidationFailed
from moderation.units import unit_tree
from portal.accounts.permissions import actor_of, staff_user
from portal.content import campaign_edit as domain
from portal.content.fields import FieldSpec, ParsedForm, clean_text, form_values, parse_form
from portal.content.forms import CAMPAIGN_FIELDS, ROW_KINDS, RowKind
from portal.locale_context import gettext as _
from portal.roles import PRESS
from portal.routing import route
from portal.templating import render
from portal.web import clock, db_session, redirect

OVERVIEW = "/staff/campaign"


def _done_message(key: str | None) -> str | None:
    messages = {"saved": _("Saved."), "deleted": _("Deleted.")}
    return messages.get(key or "")


def _kind(request: Request) -> RowKind:
    kind = ROW_KINDS.get(request.path_params["kind"])
    if kind is None:
        raise HTTPException(status_code=404)
    return kind


def campaign_overview(request: Request) -> Response:
    """The campaign's texts and every list of rows, each with edit links."""
    with db_session(request) as db:
        campaign = domain.current_campaign(db)
        sections = [(kind, domain.rows_of(db, kind.model, campaign) if campaign else [])
                    for kind in ROW_KINDS.values()]
    return render(request, "press/campaign.html", {
        "campaign": campaign, "sections": sections,
        "done": _done_message(request.query_params.get("done")),
    })


def _form_page(request: Request, *, heading: str, fields: tuple[FieldSpec, ...],
               values: dict[str, str], errors: dict[str, str], action: str,
               delete_action: str | None = None, status_code: int = 200,
               notice: str | None = None) -> Response:
    with db_session(request) as db:
        units = unit_tree(db) if any(f.kind == "unit" for f in fields) else []
    return render(request, "press/content_form.html", {
        "heading": heading, "fields": fields, "values": values, "errors": errors,
        "action": action, "delete_action": delete_action, "units": units, "notice": notice,
    }, status_code=status_code)


def _form_fields(form: Any) -> dict[str, str]:
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def _failed(parsed: ParsedForm, failed: ValidationFailed) -> None:
    parsed.errors.update({key: _(message) for key, message in failed.errors.items()})


def campaign_texts(request: Request) -> Response:
    """The form of the campaign's own texts and contact details."""
    with db_session(request) as db:
        campaign = domain.current_campaign(db)
    values = form_values(CAMPAIGN_FIELDS, campaign, request.app.state.settings.locales)
    values["version"] = str(campaign.version) if campaign else ""
    return _form_page(request, heading=_("Campaign texts"), fields=CAMPAIGN_FIELDS,
                      values=values, errors={}, action="/staff/campaign/texts")


async def campaign_texts_post(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_campaign_texts_post, request, _form_fields(form))


def _campaign_texts_post(request: Request, fields: dict[str, str]) -> Response:
    settings = request.app.state.settings
    parsed = parse_form(CAMPAIGN_FIELDS, fields, settings.locales, settings.default_locale)
    version_text = clean_text(fields.get("version"))
    parsed.raw["version"] = version_text
    page = {"heading": _("Campaign texts"), "fields": CAMPAIGN_FIELDS,
            "action": "/staff/campaign/texts"}
    if parsed.errors:
        return _form_page(request, values=parsed.raw, errors=parsed.errors, status_code=422,
                          **page)
    version = int(version_text) if version_text.isascii() and version_text.isdigit() else None
    with db_session(request) as db:
        try:
            domain.save_campaign(db, actor_of(staff_user(request)), parsed.values, version,
                                 clock=clock(request))
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            _failed(parsed, failed)
            return _form_page(request, values=parsed.raw, errors=parsed.errors,
                              status_code=422, **page)
        except StaleVersion:
            db.rollback()
            return _form_page(request, values=parsed.raw, errors={}, status_code=409,
                              notice=_("Someone else changed the campaign texts in the "
                                       "meantime. Your text is kept below; reload the page "
                                       "to see their version."), **page)
    return redirect(f"{OVERVIEW}?done=saved")


def _row_urls(kind: RowKind, row_id: int | None) -> tuple[str, str | None]:
    if row_id is None:
        return f"{OVERVIEW}/{kind.slug}/new", None
    base = f"{OVERVIEW}/{kind.slug}/{row_id}"
    return base, f"{base}/delete"


def row_form(request: Request) -> Response:
    """The form of a new or existing task, stage, figure or pledge."""
    kind = _kind(request)
    row_id: int | None = request.path_params.get("id")
    with db_session(request) as db:
        if domain.current_campaign(db) is None:
            return redirect("/staff/campaign/texts")
        row = domain.get_row(db, kind.model, row_id) if row_id is not None else None
    values = form_values(kind.fields, row, request.app.state.settings.locales)
    if row is None:
        values["position"] = "0"
        if "value" in values:
            values["value"] = "0"
        if "progress" in values:
            values["progress"] = "0"
    action, delete_action = _row_urls(kind, row_id)
    return _form_page(request, heading=_(kind.singular), fields=kind.fields, values=values,
                      errors={}, action=action, delete_action=delete_action)


async def row_post(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_row_post, request, _form_fields(form))


def _row_post(request: Request, fields: dict[str, str]) -> Response:
    settings = request.app.state.settings
    kind = _kind(request)
    row_id: int | None = request.path_params.get("id")
    parsed = parse_form(kind.fields, fields, settings.locales, settings.default_locale)
    action, delete_action = _row_urls(kind, row_id)
    page = {"heading": _(kind.singular), "fields": kind.fields, "action": action,
            "delete_action": delete_action}
    if parsed.errors:
        return _form_page(request, values=parsed.raw, errors=parsed.errors, status_code=422,
                          **page)
    actor, tick = actor_of(staff_user(request)), clock(request)
    with db_session(request) as db:
        campaign = domain.current_campaign(db)
        if campaign is None:
            return redirect("/staff/campaign/texts")
        try:
            if row_id is None:
                domain.create_row(db, actor, kind.model, campaign, parsed.values, clock=tick)
            else:
                domain.update_row(db, actor, kind.model, row_id, parsed.values, clock=tick)
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            _failed(parsed, failed)
            return _form_page(request, values=parsed.raw, errors=parsed.errors,
                              status_code=422, **page)
    return redirect(f"{OVERVIEW}?done=saved#{kind.slug}")


def row_delete(request: Request) -> Response:
    """Delete one row (the audit log keeps its last state)."""
    kind = _kind(request)
    with db_session(request) as db:
        domain.delete_row(db, actor_of(staff_user(request)), kind.model,
                          request.path_params["id"], clock=clock(request))
        db.commit()
    return redirect(f"{OVERVIEW}?done=deleted#{kind.slug}")


routes = [
    route(OVERVIEW, campaign_overview, roles=PRESS, name="press_campaign"),
    route(f"{OVERVIEW}/texts", campaign_texts, roles=PRESS, name="press_campaign_texts"),
    route(f"{OVERVIEW}/texts", campaign_texts_post, roles=PRESS, methods=["POST"],
          name="press_campaign_texts_save"),
    route(OVERVIEW + "/{kind:str}/new", row_form, roles=PRESS, name="press_row_new"),
    route(OVERVIEW + "/{kind:str}/new", row_post, roles=PRESS, methods=["POST"],
          name="press_row_create"),
    route(OVERVIEW + "/{kind:str}/{id:int}", row_form, roles=PRESS, name="press_row"),
    route(OVERVIEW + "/{kind:str}/{id:int}", row_post, roles=PRESS, methods=["POST"],
          name="press_row_update"),
    route(OVERVIEW + "/{kind:str}/{id:int}/delete", row_delete, roles=PRESS, methods=["POST"],
          name="press_row_delete"),
]
