"""Staff ledger pages: the list, an item, creating and editing items (also from a
concluded case), and downloading evidence files."""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from moderation.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from moderation.intake.models import Submission
from moderation.ledger import messages as m
from moderation.ledger.cases import check_case_confirms, create_from_case
from moderation.ledger.evidence import evidence_path
from moderation.ledger.items import create_item, update_item
from moderation.ledger.models import LedgerEntry, LedgerEvidence, LedgerStatus
from moderation.ledger.queries import LedgerFilters, categories, list_items
from moderation.roles import Actor, Role
from moderation.units import unit_tree
from portal.ledger.access import (
    EXPORT,
    IMPORT,
    find_case,
    ledger_actor,
    load_item,
    may_edit,
    visible_items,
)
from portal.ledger.forms import (
    form_text,
    item_fields,
    item_status,
    item_values,
    parse_version,
    translated,
)
from portal.ledger.labels import choices, ledger_label
from portal.ledger.pages import done_message, render_item_form, render_item_page
from portal.ledger.public import query_int, query_status
from portal.ledger.tree import nest
from portal.locale_context import gettext as _
from portal.templating import render
from portal.web import clock, db_session, now, redirect

BASE = "/staff/ledger"


def staff_list(request: Request) -> Response:
    """Every item the actor may see (internal ones too), filtered like the public list."""
    actor = ledger_actor(request)
    tz = request.app.state.settings.timezone
    unit_id = actor.unit_id if actor.role == Role.handler else query_int(request, "unit")
    filters = LedgerFilters(unit_id=unit_id if actor.role != Role.handler else (unit_id or -1),
                            status=query_status(request),
                            category_id=query_int(request, "category"),
                            overdue_only=request.query_params.get("overdue") == "1")
    with db_session(request) as db:
        rows = list_items(db, public_only=False, now=now(request), tz=tz, filters=filters)
        units = unit_tree(db) if actor.role != Role.handler else []
        cats = categories(db)
    return render(request, "ledger/staff_list.html", {
        "rows": rows, "tree": nest(rows), "filters": filters, "units": units,
        "categories": cats, "statuses": choices(LedgerStatus), "ledger_label": ledger_label,
        "can_edit": may_edit(actor), "can_export": actor.role in EXPORT,
        "can_import": actor.role in IMPORT, "done": done_message(request),
    })


def staff_item(request: Request) -> Response:
    """One item with its timeline, evidence, reviews, linked cases and action forms."""
    actor = ledger_actor(request)
    with db_session(request) as db:
        return render_item_page(request, db, actor, request.path_params["item_id"])


# ---------------------------------------------------------------- create and edit

def _case_values(db: Session, actor: Actor, reference: str) -> tuple[Submission, dict[str, str]]:
    case = find_case(db, actor, reference)
    unit_id = case.responsible_unit_id or case.unit_concerned_id
    if actor.role == Role.handler:
        unit_id = actor.unit_id
    return case, {"unit_id": str(unit_id or ""), "weight": "1", "position": "0",
                  "status": LedgerStatus.planned.value}


def item_new(request: Request) -> Response:
    """The form of a new item; with `?case=REFERENCE`, of an item made from that case."""
    actor = ledger_actor(request)
    reference = request.query_params.get("case", "").strip()
    with db_session(request) as db:
        if not reference:
            return render_item_form(request, db, actor, heading=_("New ledger item"),
                                    action=f"{BASE}/new",
                                    values={"weight": "1", "position": "0",
                                            "unit_id": str(actor.unit_id or "")
                                            if actor.role == Role.handler else ""})
        case, values = _case_values(db, actor, reference)
        notice = ""
        try:
            check_case_confirms(case)
        except InvalidTransition as refused:
            notice = _(str(refused))
        return render_item_form(
            request, db, actor, heading=_("New ledger item from case %(reference)s",
                                          reference=case.reference),
            action=f"{BASE}/from-case/{case.reference}", values=values, case=case,
            notice=notice, status_code=409 if notice else 200)


def _handler_limits(db: Session, actor: Actor, values: dict, errors: dict[str, str],
                    current_parent: int | None) -> None:
    """A handler files items under their own unit and below items they can see."""
    if actor.role != Role.handler:
        return
    if values.get("unit_id") is not None and values["unit_id"] != actor.unit_id:
        errors["unit_id"] = m.UNKNOWN_UNIT
    parent_id = values.get("parent_id")
    if parent_id is not None and parent_id != current_parent and parent_id not in {
            i.id for i in visible_items(db, actor)}:
        errors["parent_id"] = m.UNKNOWN_PARENT


def _save_new(request: Request, fields: dict[str, str], reference: str | None) -> Response:
    actor = ledger_actor(request)
    values, errors = item_values(fields, actor, None)
    status = item_status(fields, errors)
    with db_session(request) as db:
        case = find_case(db, actor, reference) if reference else None
        heading = (_("New ledger item from case %(reference)s", reference=case.reference)
                   if case else _("New ledger item"))
        action = f"{BASE}/from-case/{case.reference}" if case else f"{BASE}/new"

        def again(errs: dict[str, str], code: int, notice: str = "") -> Response:
            return render_item_form(request, db, actor, heading=heading, action=action,
                                    values=fields, errors=translated(errs), case=case,
                                    notice=notice, status_code=code)

        _handler_limits(db, actor, values, errors, None)
        if errors:
            return again(errors, 422)
        try:
            if case is not None:
                assert case.id is not None
                item = create_from_case(db, actor, case.id, values, status=status,
                                        clock=clock(request))
            else:
                item = create_item(db, actor, values, status=status, clock=clock(request))
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            return again(failed.errors, 422)
        except InvalidTransition as refused:
            db.rollback()
            return again({}, 409, _(str(refused)))
    return redirect(f"{BASE}/{item.id}?done=created")


async def item_create(request: Request) -> Response:
    fields = form_text(await request.form())
    return await run_in_threadpool(_save_new, request, fields, None)


async def item_from_case(request: Request) -> Response:
    """Put the problem a concluded, confirmed case found on the ledger, linked to it."""
    fields = form_text(await request.form())
    return await run_in_threadpool(_save_new, request, fields,
                                   request.path_params["reference"])


def item_edit(request: Request) -> Response:
    """The form of an existing item."""
    actor = ledger_actor(request)
    item_id: int = request.path_params["item_id"]
    with db_session(request) as db:
        item = load_item(db, actor, item_id)
        return render_item_form(request, db, actor, heading=_("Edit ledger item"),
                                action=f"{BASE}/{item_id}/edit", values=item_fields(item),
                                item_id=item_id)


def _save_edit(request: Request, fields: dict[str, str]) -> Response:
    actor = ledger_actor(request)
    item_id: int = request.path_params["item_id"]
    with db_session(request) as db:
        item = load_item(db, actor, item_id)
        values, errors = item_values(fields, actor, item)
        _handler_limits(db, actor, values, errors, item.parent_id)
        page = {"heading": _("Edit ledger item"), "action": f"{BASE}/{item_id}/edit",
                "values": fields, "item_id": item_id}
        if errors:
            return render_item_form(request, db, actor, errors=translated(errors),
                                    status_code=422, **page)
        try:
            update_item(db, actor, item_id, values, version=parse_version(fields),
                        clock=clock(request))
            db.commit()
        except ValidationFailed as failed:
            db.rollback()
            return render_item_form(request, db, actor, errors=translated(failed.errors),
                                    status_code=422, **page)
        except StaleVersion:
            db.rollback()
            return render_item_form(
                request, db, actor, status_code=409,
                notice=_("Someone else changed this item in the meantime. Your input is "
                         "kept below; open the item again to see their changes."), **page)
    return redirect(f"{BASE}/{item_id}?done=saved")


async def item_update(request: Request) -> Response:
    fields = form_text(await request.form())
    return await run_in_threadpool(_save_edit, request, fields)


# ---------------------------------------------------------------- evidence

def evidence_download(request: Request) -> Response:
    """A staff evidence file, as an attachment (never shown inline)."""
    actor = ledger_actor(request)
    with db_session(request) as db:
        row = db.get(LedgerEvidence, request.path_params["evidence_id"])
        entry = db.get(LedgerEntry, row.entry_id) if row else None
        if row is None or entry is None:
            raise NotFound("evidence")
        load_item(db, actor, entry.item_id)
    path = evidence_path(request.app.state.settings.upload_dir, row.stored_name)
    if path is None:
        raise NotFound("evidence file")
    return FileResponse(path, media_type=row.media_type, filename=row.display_name,
                        content_disposition_type="attachment")
