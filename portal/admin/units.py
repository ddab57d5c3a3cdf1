"""Admin pages for the organisation tree: list, create, edit units."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import record
from moderation.units import Unit, UnitKind, unit_tree
from portal.accounts.forms import check_text, checked, max_length, text
from portal.accounts.permissions import actor_of, staff_user
from portal.admin.common import get_or_404, parse_id, unit_options
from portal.labels import label
from portal.locale_context import lazy_gettext as N_
from portal.templating import render
from portal.web import clock, db_session, redirect

UNITS_PATH = "/staff/admin/units"
NAME_MAX = 200
POSITION_MAX = 1_000_000
CODE_RE = re.compile(r"[A-Za-z0-9_-]+")
BAD_CODE = N_("Use letters, digits, hyphens and underscores only.")
CODE_TAKEN = N_("Another unit already uses this code.")
BAD_KIND = N_("Choose one of the listed kinds.")
BAD_PARENT = N_("Choose one of the listed units.")
PARENT_CYCLE = N_("A unit cannot be placed under itself or one of its own sub-units.")
BAD_POSITION = N_("Enter a whole number from 0 to 1000000.")
SAVED = {
    "created": N_("The unit has been created."),
    "updated": N_("The unit has been saved."),
}


def snapshot(unit: Unit) -> dict[str, Any]:
    """The audited view of a unit."""
    return {"code": unit.code, "name": dict(unit.name), "kind": unit.kind.value,
            "parent_id": unit.parent_id, "position": unit.position, "active": unit.active}


def _values_of(unit: Unit, locales: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": unit.code, "kind": unit.kind.value, "parent_id": unit.parent_id or "",
        "position": str(unit.position), "active": unit.active,
    }
    for locale in locales:
        values[f"name_{locale}"] = unit.name.get(locale, "")
    return values


def _descendants(db: Session, unit_id: int) -> set[int]:
    """`unit_id` and every unit below it."""
    children: dict[int | None, list[int]] = {}
    for unit in db.exec(select(Unit)):
        children.setdefault(unit.parent_id, []).append(unit.id)  # type: ignore[arg-type]
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def _form_page(request: Request, db: Session, values: dict[str, Any],
               errors: dict[str, str], *, unit: Unit | None,
               status_code: int = 200) -> Response:
    exclude = _descendants(db, unit.id) if unit is not None and unit.id else None
    keep = parse_id(str(values.get("parent_id") or ""))
    return render(request, "admin/unit_form.html", {
        "unit": unit, "values": values, "errors": errors,
        "kinds": [(kind.value, label(kind), 0) for kind in UnitKind],
        "parents": unit_options(request, db, keep=keep, exclude=exclude),
        "name_locales": request.app.state.settings.locales,
        "limits": {"code": max_length(Unit, "code"), "name": NAME_MAX},
        "saved": SAVED.get(request.query_params.get("saved", "")),
    }, status_code=status_code)


def unit_list(request: Request) -> Response:
    """The organisation tree, inactive units included."""
    with db_session(request) as db:
        tree = unit_tree(db, include_inactive=True)
    return render(request, "admin/units.html", {
        "tree": tree, "saved": SAVED.get(request.query_params.get("saved", "")),
    })


def unit_new(request: Request) -> Response:
    """The form for a new unit."""
    locales = request.app.state.settings.locales
    values: dict[str, Any] = {"code": "", "kind": UnitKind.other.value,
                              "parent_id": request.query_params.get("parent", ""),
                              "position": "0", "active": True}
    values.update({f"name_{locale}": "" for locale in locales})
    with db_session(request) as db:
        return _form_page(request, db, values, {}, unit=None)


def _read(request: Request, db: Session, form: FormData,
          unit: Unit | None) -> tuple[dict[str, Any], dict[str, str]]:
    settings = request.app.state.settings
    values: dict[str, Any] = {
        "code": text(form, "code"), "kind": text(form, "kind"),
        "parent_id": text(form, "parent_id"), "position": text(form, "position") or "0",
        "active": checked(form, "active"),
    }
    errors: dict[str, str] = {}
    check_text(errors, "code", values["code"], max_length(Unit, "code"))
    if "code" not in errors and not CODE_RE.fullmatch(values["code"]):
        errors["code"] = BAD_CODE
    if "code" not in errors:
        other = db.exec(select(Unit).where(Unit.code == values["code"])).first()
        if other is not None and (unit is None or other.id != unit.id):
            errors["code"] = CODE_TAKEN
    for locale in settings.locales:
        name = f"name_{locale}"
        values[name] = text(form, name)
        check_text(errors, name, values[name], NAME_MAX,
                   required=locale == settings.default_locale)
    if values["kind"] not in {kind.value for kind in UnitKind}:
        errors["kind"] = BAD_KIND
    parent_id = parse_id(values["parent_id"])
    if values["parent_id"]:
        if parent_id is None or db.get(Unit, parent_id) is None:
            errors["parent_id"] = BAD_PARENT
        elif unit is not None and parent_id in _descendants(db, unit.id):  # type: ignore[arg-type]
            errors["parent_id"] = PARENT_CYCLE
    position = values["position"]
    if not (position.isascii() and position.isdigit() and int(position) <= POSITION_MAX):
        errors["position"] = BAD_POSITION
    return values, errors


def _apply(request: Request, unit: Unit, values: dict[str, Any]) -> None:
    locales = request.app.state.settings.locales
    unit.code = values["code"]
    unit.name = {loc: values[f"name_{loc}"] for loc in locales if values[f"name_{loc}"]}
    unit.kind = UnitKind(values["kind"])
    unit.parent_id = parse_id(values["parent_id"])
    unit.position = int(values["position"])
    unit.active = values["active"]


async def unit_create(request: Request) -> Response:
    """Create a unit."""
    form = await request.form()
    return await run_in_threadpool(_unit_create, request, form)


def _unit_create(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    with db_session(request) as db:
        values, errors = _read(request, db, form, None)
        if errors:
            return _form_page(request, db, values, errors, unit=None, status_code=422)
        unit = Unit(code=values["code"])
        _apply(request, unit, values)
        db.add(unit)
        db.flush()
        record(db, actor_of(admin), "unit.create", "unit", unit.id, after=snapshot(unit),
               clock=clock(request))
        db.commit()
    return redirect(f"{UNITS_PATH}?saved=created")


def unit_edit(request: Request) -> Response:
    """The form to edit a unit."""
    with db_session(request) as db:
        unit = get_or_404(db, Unit, request.path_params["unit_id"])
        values = _values_of(unit, request.app.state.settings.locales)
        return _form_page(request, db, values, {}, unit=unit)


async def unit_update(request: Request) -> Response:
    """Save a unit."""
    form = await request.form()
    return await run_in_threadpool(_unit_update, request, form)


def _unit_update(request: Request, form: FormData) -> Response:
    admin = staff_user(request)
    with db_session(request) as db:
        unit = get_or_404(db, Unit, request.path_params["unit_id"])
        values, errors = _read(request, db, form, unit)
        if errors:
            return _form_page(request, db, values, errors, unit=unit, status_code=422)
        before = snapshot(unit)
        _apply(request, unit, values)
        db.add(unit)
        after = snapshot(unit)
        if after != before:
            record(db, actor_of(admin), "unit.update", "unit", unit.id, before=before,
                   after=after, clock=clock(request))
        db.commit()
    return redirect(f"{UNITS_PATH}?saved=updated")
